"""backend.masking.mask_personal: the one masking function of every public output."""

from __future__ import annotations

import pytest

from backend.masking import mask_personal


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13812345678", "电话138****5678"),
        ("手机 138-1234-5678 找我", "手机 138****5678 找我"),
        ("+86 139 1234 5678", "139****5678"),
        ("座机0371-65432109", "座机0371-********"),
        ("身份证410102199001011234", "身份证410***************"),
        ("证件41010219900101123X。", "证件410***************。"),
        ("旧证410102900101123", "旧证410************"),
        ("卡号 6222 0212 3456 7890 123 转账", "卡号 **** **** **** **** *** 转账"),
        ("卡号6222021234567890", "卡号****************"),
        ("邮箱 zhangsan.99@qq.com 联系", "邮箱 z***@qq.com 联系"),
        ("车牌豫A·12345堵门", "车牌豫A·*****堵门"),
        ("豫AD12345新能源车", "豫A·*****新能源车"),
        ("京a12345", "京A·*****"),
        ("我是王建国，住3号楼", "我是王某，住3号楼"),
        ("我叫欧阳娜娜电话", "我叫欧阳某电话"),
        ("本人李四，住在5号楼", "本人李某，住在5号楼"),
        ("联系人：张三", "联系人：张某"),
        ("姓名：赵小明 反映问题", "姓名：赵某 反映问题"),
    ],
)
def test_masks(text, masked):
    assert mask_personal(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "3号楼2单元楼道堆满纸箱，存在消防隐患。",
        "我是楼上的住户，2026年12月1日发现漏水",
        "我是3号楼的住户",
        "路灯坏了 5 天",
        "门牌号 1203",
        "",
    ],
)
def test_leaves_ordinary_text_alone(text):
    assert mask_personal(text) == text


def test_the_issue_example_keeps_nothing_personal():
    masked = mask_personal("我是王建国，电话13812345678，身份证410102199001011234")
    assert "建国" not in masked and "12345678" not in masked and "199001011234" not in masked


def test_idempotent():
    text = "我是王建国，电话13812345678，卡号6222021234567890，豫A12345，a.b@c.cn"
    once = mask_personal(text)
    assert mask_personal(once) == once

"""One masking function for every public output: the Open311 feed, group-chat messages, open data.

`mask_personal(text)` hides what identifies a person inside free text a resident wrote:
ID-card numbers, mobile and landline phone numbers, bank-card numbers (and any other long digit
run), e-mail addresses, licence plates, and names a writer introduces ("我是王建国", "我叫…",
"本人…", "姓名：…", "联系人…"). The masked text keeps its shape so it still reads: a phone
becomes 138****5678, a name 王某. It is not a guarantee against every disclosure (a resident
may describe a neighbour in prose), which is why the submitter is shown the masked text
before it is published.
"""

from __future__ import annotations

import re

# 18-digit resident ID (last may be X) or the old 15-digit one; not inside a longer number.
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{6})(?:\d{8}\d{3}[\dXx]|\d{9})(?![0-9A-Za-z])")
# Mainland mobile numbers, optionally +86, spaced or dashed as people write them.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
# Landlines: area code 0xx(x) then 7-8 digits.
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[\s-]?(\d{7,8})(?!\d)")
# Any other run of 7 or more digits, spaces and dashes between groups allowed (bank cards are
# 16-19 digits, often in groups of four; QQ numbers, account numbers, house phone extensions).
_LONG_DIGITS = re.compile(r"(?<!\d)\d(?:[\s-]?\d){6,}(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# Province abbreviation, issuing-office letter, optional dot, 5 or 6 (new-energy) characters.
_PLATE = re.compile(
    r"([京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼])\s?([A-HJ-NP-Za-hj-np-z])[·.\s]?"
    r"[A-HJ-NP-Za-hj-np-z0-9]{4,5}[A-HJ-NP-Za-hj-np-z0-9挂学警港澳]"
)

# Surnames: the common single ones and the compound ones; a name is the surname and 1-2 more.
_COMPOUND_SURNAMES = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|夏侯|令狐|端木|西门|南宫"
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪"
    "梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简"
    "车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛"
    "仲虞敖巩明佘池查麻苑迟邝"
)
_INTRO = r"(?:我是|我叫|本人是|本人叫|本人|我的名字是|我的名字叫|我姓名是|姓名[:：\s]*|联系人[:：\s]*|报告人[:：\s]*)"
# What may follow a name: punctuation, the end, a space, or the words that usually do.
_AFTER_NAME = r"(?=$|[\s，,。.！!？?；;：:、（(）)]|电话|手机|联系|身份证|住在|家住|住|是|在|的|今年|[0-9])"
_NAME = re.compile(rf"({_INTRO})((?:{_COMPOUND_SURNAMES})|[{_SURNAMES}])([\u4e00-\u9fff]{{1,2}}?){_AFTER_NAME}")


def _stars(match: re.Match[str]) -> str:
    return re.sub(r"\d", "*", match.group(0))


def mask_personal(text: str) -> str:
    """Free text with the personal data inside it masked (see the module doc)."""
    if not text:
        return text or ""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _ID_CARD.sub(lambda m: m.group(1)[:3] + "*" * (len(m.group(0)) - 3), text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}-{'*' * len(m.group(2))}", text)
    text = _LONG_DIGITS.sub(_stars, text)
    text = _PLATE.sub(lambda m: f"{m.group(1)}{m.group(2).upper()}·*****", text)
    text = _NAME.sub(lambda m: f"{m.group(1)}{m.group(2)}某", text)
    return text

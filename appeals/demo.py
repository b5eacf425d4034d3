"""Demo appeals for `seed_demo`: a handful in every state, submitted by the demo resident and
handled by the demo grid worker, through the services (timeline rows included). Idempotent:
nothing is added once the demo resident has appeals."""

from __future__ import annotations

from typing import Any

from residents.models import User

from . import services
from .models import Appeal

DEMO = [
    ("environment", "楼道堆放杂物", "三单元楼道堆满纸箱，存在消防隐患。", []),
    ("facilities", "路灯不亮", "1号楼门口路灯坏了一周，晚上出行不便。", ["accept"]),
    ("property", "电梯经常停运", "2号楼电梯本月已停运三次。", ["accept", "resolve"]),
    ("neighbour", "楼上噪音扰民", "楼上住户夜间装修。", ["accept", "resolve", "rate"]),
    ("safety", "井盖松动", "小区南门井盖松动，易绊倒老人。", ["escalate"]),
    ("policy", "咨询养老补贴", "想了解高龄津贴申请条件。", ["reject"]),
]


def seed(*, shape: dict[str, list[Any]], stdout: Any) -> None:
    resident = User.objects.filter(username="demo_resident").first()
    worker = User.objects.filter(username="demo_grid_worker").first()
    if resident is None or worker is None or Appeal.objects.filter(submitter=resident).exists():
        return
    steps = {
        "accept": lambda a: services.appeal_accept(appeal=a, actor=worker),
        "resolve": lambda a: services.appeal_resolve(appeal=a, actor=worker, content="已处理完毕。"),
        "rate": lambda a: services.appeal_rate(appeal=a, actor=resident, score=5, comment="很满意"),
        "escalate": lambda a: services.appeal_escalate(appeal=a, actor=worker, reason="需社区协调"),
        "reject": lambda a: services.appeal_reject(appeal=a, actor=worker, reason="请拨打 12345 政策咨询专线。"),
    }
    for category, title, description, actions in DEMO:
        appeal = services.appeal_submit(
            actor=resident, category=category, title=title, description=description, is_public=True
        )
        for action in actions:
            appeal = steps[action](appeal)
    stdout.write(f"appeals: {len(DEMO)} demo appeals for demo_resident")

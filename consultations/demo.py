"""Demo consultations for `seed_demo`: topics in every state across a few communities, raised by
demo residents of each community and taken through the services by the district's staff (so the
timelines, meetings, votes and notifications are real). Idempotent: nothing is added once any
consultation exists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from grids.models import Assignment, GridUnit, Role
from residents.demo import RESIDENT_PREFIX
from residents.models import User

from . import services
from .models import Consultation

# The state to bring it to: (title, body), quick topics (即时议) and deep ones (深入议)
QUICK_TOPICS = {
    "collecting": ("小区南门电动车乱停", "南门口电动车堵住盲道和消防通道，建议划定停放区。"),
    "review": ("楼道加装声控灯", "3号楼楼道晚上太黑，老人上下楼不安全。"),
    "deliberating": ("广场舞音响扰民", "晚上九点后广场舞音响仍很大，影响休息。"),
    "implementing": ("垃圾分类投放点迁移", "投放点离5号楼窗户太近，夏天有异味。"),
    "closed": ("健身器材维修", "小区健身器材有两件损坏，需要维修。"),
    "rejected": ("要求物业降价", "物业费太高，希望降价。"),
    "merged": ("电动车停放秩序", "与南门电动车乱停为同一问题。"),
    "converted": ("路面塌陷", "6号楼前路面塌陷，需尽快修复。"),
}
DEEP_TOPICS = {
    "scheduled": ("加装电梯费用分摊", "6层老楼想加装电梯，一楼二楼住户意见不一，需要协商分摊办法。"),
    "publicized": ("社区菜园地块分配", "闲置空地改菜园，如何公平分配地块？"),
    "no_consensus": ("楼顶违建拆除", "顶楼住户私搭阳光房，存在安全隐患。"),
    "evaluating": ("非机动车棚充电桩", "车棚没有充电桩，居民飞线充电危险。"),
}
TOPICS = [
    (kind, *text, state)
    for kind, topics in (("quick", QUICK_TOPICS), ("deep", DEEP_TOPICS))
    for state, text in topics.items()
]
# The states each step leads to, in order of the life.
PATH = ["collecting", "review", "scheduled", "deliberating", "publicized", "implementing", "evaluating", "closed"]


def _staff() -> User | None:
    found = Assignment.objects.filter(role=Role.ADMIN, unit__level="district").select_related("user").first()
    return found.user if found else User.objects.filter(is_superuser=True).order_by("pk").first()


def _residents_of(community: GridUnit) -> list[User]:
    return list(
        User.objects.filter(
            username__startswith=RESIDENT_PREFIX,
            residences__status="verified",
            residences__grid_path__startswith=community.path,
        ).order_by("pk")[:6]
    )


def _bring(
    consultation: Consultation, state: str, *, staff: User, people: list[User], into: Consultation | None
) -> None:
    """Walk the topic along the life, a day back in time per step, until it is in `state`."""
    now = timezone.now()
    start = now - timedelta(days=20)
    at: Callable[[int], Any] = lambda day: start + timedelta(days=day)  # noqa: E731
    for person in people[1:3]:
        services.do_support_consultation(consultation=consultation, actor=person, now=at(0))
    if state == "collecting":
        return
    if state in {"rejected", "merged", "converted"}:
        decision = {"rejected": "reject", "merged": "merge", "converted": "convert"}[state]
        services.do_review_consultation(
            consultation=consultation,
            actor=staff,
            decision=decision,
            reason="属物业服务合同约定事项，已转物业公司答复。" if state == "rejected" else "",
            into=into,
            to="appeal",
            category="facilities",
            now=at(1),
        )
        return
    consultation = services.do_take_up_consultation(consultation=consultation, actor=staff, now=at(1))
    if state == "review":
        return
    meeting = services.do_schedule_meeting(
        consultation=consultation,
        actor=staff,
        scheduled_at=at(3),
        place="社区党群服务中心议事厅",
        agenda=["情况介绍", "各方发言", "表决"],
        quorum=2,
        now=at(2),
    )
    if state == "scheduled":
        return
    for person in people[:3]:
        services.do_check_in_meeting(meeting=meeting, actor=person, code=meeting.check_in_code, now=at(3))
    if state == "deliberating":
        return
    if state == "no_consensus":
        services.do_fail_consensus(
            consultation=consultation, actor=staff, reason="各方分歧较大，需上级协调。", now=at(3)
        )
        return
    motion = services.do_open_motion(meeting=meeting, actor=staff, text="同意按议定方案实施", now=at(3))
    for person, choice in zip(people[:3], ["for", "for", "abstain"], strict=False):
        services.do_vote_motion(motion=motion, actor=person, choice=choice, now=at(3))
    services.do_close_motion(motion=motion, actor=staff, now=at(3))
    services.do_record_minutes(
        meeting=meeting,
        actor=staff,
        minutes="与会居民充分讨论，表决通过。",
        resolution="按议定方案实施",
        attendees=3,
        now=at(3),
    )
    publish_at = at(4) if state != "publicized" else now - timedelta(hours=2)
    consultation = services.do_publicize_consultation(
        consultation=consultation,
        actor=staff,
        resolution="按议事会议定方案实施，物业负责施工，居民监督。",
        now=publish_at,
    )
    if state == "publicized":
        return
    services.do_report_progress(
        consultation=consultation, actor=staff, content="已确定施工单位。", percent=40, now=at(12)
    )
    if state == "implementing":
        return
    services.do_report_progress(
        consultation=consultation, actor=staff, content="施工完成，请参与者评价。", percent=100, now=at(15)
    )
    if state == "evaluating":
        return
    for person in people[:2]:  # two of the three participants satisfied: closed
        services.do_evaluate_consultation(consultation=consultation, actor=person, score=5, satisfied=True, now=at(16))


def seed(*, shape: dict[str, list[GridUnit]], stdout: Any) -> None:
    staff = _staff()
    if staff is None or Consultation.objects.exists():
        return
    made = 0
    communities = [c for c in shape.get("community", [])[:8] if len(_residents_of(c)) >= 3][:3]
    for n, community in enumerate(communities):
        people = _residents_of(community)
        first: Consultation | None = None
        for i, (kind, title, body, state) in enumerate(TOPICS):
            if i % len(communities) != n and state not in {"collecting", "merged"}:
                continue  # every state once, spread over the communities; the merge pair in each
            consultation = services.do_create_consultation(
                actor=people[0],
                grid=community,
                title=title,
                body=body,
                kind=kind,
                now=timezone.now() - timedelta(days=21),
            )
            first = first or consultation
            _bring(consultation, state, staff=staff, people=people, into=first)
            made += 1
    stdout.write(f"consultations: {made} demo topics in {len(communities)} communities")

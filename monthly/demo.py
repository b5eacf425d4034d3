"""Demo data for `seed_demo`: this month's district round open for voting, and last month's
street round counted, with a winner being worked on. Idempotent (one round per scope and
month), and built through the services so that the demo follows the same rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from grids.models import Assignment, GridUnit, Role
from residents.demo import RESIDENT_PREFIX
from residents.models import User

from . import services
from .models import Round

THIS_MONTH = ["老旧小区加装电梯", "修复背街小巷路灯", "增设电动自行车充电桩", "整治楼道堆物"]
LAST_MONTH = ["农贸市场周边停车秩序", "社区公园增设健身器材", "菜市场早高峰噪音"]


def _month(when: Any) -> str:
    return timezone.localtime(when).strftime("%Y-%m")


def _staff_of(unit: GridUnit) -> User | None:
    assignment = Assignment.objects.filter(unit=unit, role__in=[Role.ADMIN, Role.STAFF]).select_related("user")
    found = assignment.order_by("pk").first()
    return found.user if found else User.objects.filter(is_superuser=True).order_by("pk").first()


def seed(*, shape: dict[str, list[GridUnit]], stdout: Any) -> None:
    now = timezone.now()
    district, street = shape["district"][0], shape["street"][0]
    admin, staff = _staff_of(district), _staff_of(street)
    if admin is None or staff is None:
        stdout.write("monthly: no staff accounts to run the demo rounds; skipped")
        return
    voters = list(
        User.objects.filter(username__startswith=RESIDENT_PREFIX, residences__grid__path__startswith=street.path)
        .order_by("pk")
        .distinct()[:120]
    )

    last = now - timedelta(days=31)
    round_ = _new_round(staff, street, _month(last), (last - timedelta(days=5), last - timedelta(days=4), last))
    if round_ is not None:
        ids = [services.candidate_add(round_=round_, actor=staff, title=t).pk for t in LAST_MONTH]
        services.round_open_voting(round_=round_, now=last - timedelta(days=4))
        for i, voter in enumerate(voters):
            pick = ids[0] if i % 5 < 3 else ids[1 + i % 2]
            services.ballot_cast(round_id=round_.pk, voter=voter, choices=[pick], now=last - timedelta(minutes=i + 1))
        services.round_close(round_=round_, now=last)
        services.progress_report(
            round_=round_, actor=staff, content="已与交警、市场管理方现场会商，划定临时停车区。", percent=40, now=now
        )
        stdout.write(f"monthly: {round_.month} street round counted ({len(voters)} ballots), being implemented")

    times = (now - timedelta(days=1), now - timedelta(hours=1), now + timedelta(days=6))
    round_ = _new_round(admin, district, _month(now), times)
    if round_ is not None:
        for title in THIS_MONTH:
            services.candidate_add(round_=round_, actor=admin, title=title)
        services.round_open_voting(round_=round_, now=now)
        stdout.write(f"monthly: {round_.month} district round open for voting")


def _new_round(actor: User, scope: GridUnit, month: str, times: tuple[datetime, datetime, datetime]) -> Round | None:
    """The scope's demo round of `month` (`times`: nomination ends, voting starts, voting ends),
    unless a run before made it."""
    if Round.objects.filter(scope=scope, month=month).exists():
        return None
    ends, starts, closes = times
    title = f"{scope.name}{month}每月一事"
    return services.round_create(
        actor=actor,
        scope=scope,
        month=month,
        title=title,
        nomination_ends=ends,
        voting_starts=starts,
        voting_ends=closes,
    )

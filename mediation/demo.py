"""Demo data for `seed_demo`: the district's kinds of mediation teams around the first street,
with the demo role accounts as members, and a few cases in different states. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from grids.models import GridUnit
from residents.models import User

from . import services
from .models import Case, MediationTeam, MemberRole, TeamKind, TeamMember

DEMO_TITLE = "【演示】"


def _team(name: str, kind: str, grid: GridUnit, description: str, members: dict[str, str]) -> MediationTeam:
    team, _ = MediationTeam.objects.get_or_create(
        name=name, grid=grid, defaults={"kind": kind, "description": description}
    )
    for username, role in members.items():
        user = User.objects.filter(username=username).first()
        if user is not None:
            TeamMember.objects.get_or_create(team=team, user=user, defaults={"role": role})
    return team


def seed(*, shape: dict[str, list[GridUnit]], stdout: Any) -> None:
    district, street, community = shape["district"][0], shape["street"][0], shape["community"][0]
    neighbours = _team(
        f"{community.name}老街坊调解队",
        TeamKind.MEDIATION_TEAM,
        community,
        "五老人员和热心居民组成，调解邻里、家庭纠纷。",
        {"demo_mediator": MemberRole.LEAD, "demo_elder": MemberRole.ELDER, "demo_volunteer": MemberRole.VOLUNTEER},
    )
    _team("小亚工作室", TeamKind.STUDIO, community, "金牌调解员工作室。", {"demo_mediator": MemberRole.LEAD})
    _team(
        f"{street.name}义警队",
        TeamKind.VOLUNTEER_POLICE,
        street,
        "民警、志愿者、退役军人、快递小哥、房产中介组成的义警队。",
        {"demo_police": MemberRole.LEAD, "demo_volunteer": MemberRole.VOLUNTEER},
    )
    _team("秦警官工作室", TeamKind.STUDIO, street, "社区民警调解工作室。", {"demo_police": MemberRole.LEAD})
    _team("律师调解工作室", TeamKind.PROFESSIONAL, district, "律师参与的专业调解。", {"demo_lawyer": MemberRole.LEAD})
    stdout.write(f"mediation teams: {MediationTeam.objects.count()}")

    resident = User.objects.filter(username="demo_resident").first()
    staff = User.objects.filter(username="demo_staff").first()
    mediator = User.objects.filter(username="demo_mediator").first()
    if not (resident and staff and mediator) or Case.objects.filter(title__startswith=DEMO_TITLE).exists():
        return
    now = timezone.now()
    parties = [
        services.PartyIn(name="王女士", role="applicant", phone="13800000001"),
        services.PartyIn(name="楼上住户", role="respondent"),
    ]
    stories = [
        ("applied", "neighbour", "楼上漏水", "楼上卫生间漏水到我家，沟通多次无果。"),
        ("accepted", "property", "物业费争议", "物业服务不到位，业主拒交物业费。"),
        ("mediating", "family", "赡养纠纷", "兄弟三人对老人赡养费分担有争议。"),
    ]
    for state, category, title, description in stories:
        case = services.case_create(
            actor=resident,
            category=category,
            title=f"{DEMO_TITLE}{title}",
            description=description,
            parties=parties,
            grid=shape["micro"][0],
        )
        if state == "applied":
            continue
        case = services.case_accept(case=case, actor=staff, team=neighbours, mediators=[mediator])
        if state == "mediating":
            services.session_schedule(
                case=case, actor=mediator, scheduled_at=now + timedelta(days=1), place=f"{community.name}调解室"
            )
    stdout.write(f"mediation demo cases: {len(stories)}")

"""Who may do what with teams and cases. Services call these; each raises PermissionDenied (403)
on a refusal. Whether the caller may *see* the object at all is the selectors' business (404).

- staff of a unit: STAFF_ROLES over it (grids.scope), e.g. the street's 综治 staff;
- a team's lead: a TeamMember with role `lead`;
- a case's mediators: the members assigned at acceptance (the lead of its team acts for them).
"""

from __future__ import annotations

from typing import Any

from backend.errors import PermissionDenied
from backend.messages import Msg
from grids.models import GridUnit
from grids.roles import STAFF_ROLES
from grids.scope import in_reach

from .models import Case, MediationTeam, MemberRole, TeamMember


def is_staff_over(user: Any, unit: GridUnit) -> bool:
    return in_reach(user, unit, STAFF_ROLES)


def member_role(user: Any, team: MediationTeam | None) -> str | None:
    """The user's role in `team` (None when not a member); cached on the user per request."""
    if team is None or not getattr(user, "is_authenticated", False):
        return None
    cache: dict[int, str | None] = user.__dict__.setdefault("_mediation_roles", {})
    if team.pk not in cache:
        cache[team.pk] = TeamMember.objects.filter(team=team, user=user).values_list("role", flat=True).first()
    return cache[team.pk]


def forget_roles(user: Any) -> None:
    user.__dict__.pop("_mediation_roles", None)


def is_lead(user: Any, team: MediationTeam | None) -> bool:
    return member_role(user, team) == MemberRole.LEAD


def _refuse(zh: str, en: str) -> PermissionDenied:
    return PermissionDenied(Msg(zh, en))


def ensure_can_create_team(user: Any, unit: GridUnit) -> None:
    if not is_staff_over(user, unit):
        raise _refuse("只有该区域的工作人员可以组建调解组织。", "Only staff of this area may create a team.")


def ensure_can_manage_members(user: Any, team: MediationTeam) -> None:
    if not (is_lead(user, team) or is_staff_over(user, team.grid)):
        raise _refuse("只有负责人或辖区工作人员可以管理成员。", "Only the team lead or staff may manage members.")


def ensure_can_see_members(user: Any, team: MediationTeam) -> None:
    if member_role(user, team) is None and not is_staff_over(user, team.grid):
        raise _refuse("只有成员或辖区工作人员可以查看成员名单。", "Only members or staff may see the members.")


def ensure_can_triage(user: Any, case: Case, team: MediationTeam | None = None) -> None:
    """Accept or decline: staff over the case's grid (for any team serving it), or the lead of
    the team the case is offered to (for that team only)."""
    if is_staff_over(user, case.grid):
        return
    offered = case.team
    if offered is not None and is_lead(user, offered) and (team is None or team.pk == offered.pk):
        return
    raise _refuse(
        "只有辖区工作人员或受理组织负责人可以受理或不予受理。",
        "Only staff of the area or the lead of the team it is offered to may accept or decline.",
    )


def is_case_mediator(user: Any, case: Case) -> bool:
    if case.team is None:
        return False
    if is_lead(user, case.team):
        return True
    return case.mediators.filter(pk=user.pk).exists()


def ensure_can_mediate(user: Any, case: Case) -> None:
    """Sessions, agreement, failure and follow-up: the case's mediators and its team's lead."""
    if not is_case_mediator(user, case):
        raise _refuse("只有本案调解员可以执行此操作。", "Only the case's mediators may do this.")


def ensure_can_escalate(user: Any, case: Case) -> None:
    if not (is_case_mediator(user, case) or is_staff_over(user, case.grid)):
        raise _refuse("只有本案调解员或辖区工作人员可以上报。", "Only the case's mediators or staff may escalate.")

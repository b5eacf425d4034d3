"""Mediation teams and named studios: set up by staff of their unit's subtree, members added
by staff or the team's lead."""

from __future__ import annotations

from django.db import transaction

from backend.errors import Conflict
from backend.messages import Msg
from backend.uniques import unique_or
from grids.models import GridUnit
from residents.models import User

from . import permissions
from .models import MediationTeam, MemberRole, TeamMember


@transaction.atomic
def team_create(
    *,
    actor: User,
    name: str,
    kind: str,
    grid: GridUnit,
    description: str = "",
    lead: User | None = None,
) -> MediationTeam:
    """Staff of `grid`'s subtree set up a team there, optionally naming its lead."""
    permissions.ensure_can_create_team(actor, grid)
    team = MediationTeam.objects.create(name=name, kind=kind, grid=grid, description=description, created_by=actor)
    if lead is not None:
        TeamMember.objects.create(team=team, user=lead, role=MemberRole.LEAD, added_by=actor)
    return team


@transaction.atomic
def team_member_add(*, team: MediationTeam, actor: User, user: User, role: str) -> TeamMember:
    permissions.ensure_can_manage_members(actor, team)
    with unique_or(Conflict(Msg("该用户已是本组织成员。", "This user is already a member."), code="already_member")):
        member = TeamMember.objects.create(team=team, user=user, role=role, added_by=actor)
    permissions.forget_roles(user)
    return member

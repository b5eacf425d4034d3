"""Opening a case: a resident applies, staff or a grid worker registers a dispute found in
their area, or the appeals app hands one over (the SEAM, keep its signature):

    case_open_from_appeal(*, appeal, actor) -> Case

opens a case in status `applied` for an appeal's dispute (the appeal's submitter as the
applicant party, its description, category mapped, its handling grid) and returns it. The
case stores the appeal's id as `source_appeal_id` (an integer, no foreign key, so neither app's
migrations depend on the other's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from backend import workflow
from backend.errors import Conflict, InvalidInput, PermissionDenied
from backend.messages import APPLICANT_REQUIRED, REQUIRED, Msg
from grids.models import GridUnit
from grids.roles import HANDLER_ROLES
from grids.scope import in_reach, is_staff_side
from notifications.services import notify
from residents.models import ResidenceStatus, User
from residents.selectors import current_residence

from . import events
from .models import Case, Category, MediationTeam, Party, Source


@dataclass(frozen=True)
class PartyIn:
    name: str
    role: str
    phone: str = ""
    user: User | None = None


def _near_home(home: GridUnit, unit: GridUnit) -> bool:
    """A resident may name their home, a unit above it, or any unit under the one just above
    it (the neighbouring building of the same grid: the usual neighbour dispute)."""
    parent_path = home.ancestor_paths[-2] if len(home.ancestor_paths) > 1 else home.path
    return home.path.startswith(unit.path) or unit.path.startswith(parent_path)


def _where_and_how(actor: User, grid: GridUnit | None) -> tuple[GridUnit, str]:
    """The case's grid and source: staff-side people register cases in their area; residents
    apply in their home grid (or near it)."""
    if grid is not None and in_reach(actor, grid, HANDLER_ROLES):
        return grid, Source.STAFF
    residence = current_residence(user=actor)
    home = residence.grid if residence and residence.status == ResidenceStatus.VERIFIED else None
    if home is None and grid is None and is_staff_side(actor):
        raise InvalidInput(Msg("请选择纠纷所在网格。", "Choose the grid of the dispute."), fields={"grid": [REQUIRED]})
    if home is None and not is_staff_side(actor):
        raise PermissionDenied(
            Msg("请先登记并核实居住地址。", "Register and verify your residence first."), code="residence_required"
        )
    if grid is None:
        return home, Source.RESIDENT
    if home is not None and _near_home(home, grid):
        return grid, Source.RESIDENT
    raise PermissionDenied(
        Msg("只能在您的居住网格或辖区内申请调解。", "You may only open a case in your own grid or area."),
        code="grid_out_of_reach",
    )


def _check_parties(parties: Sequence[PartyIn]) -> None:
    roles = {p.role for p in parties}
    if not roles <= set(Party.Role.values):
        raise InvalidInput(
            fields={
                "parties": [
                    Msg("角色须为 {roles} 之一。", "role must be one of {roles}").format(
                        roles=", ".join(Party.Role.values)
                    )
                ]
            }
        )
    if Party.Role.APPLICANT not in roles:
        raise InvalidInput(
            Msg("至少需要一名申请人。", "At least one applicant is required."),
            fields={"parties": [APPLICANT_REQUIRED]},
        )


def _link_users(parties: list[Party]) -> None:
    """A party whose phone belongs to exactly one account is that user: they will see the case."""
    digests = {p.phone_digest for p in parties if p.phone_digest and p.user_id is None}
    if not digests:
        return
    owners: dict[str, list[int]] = {}
    for digest, pk in User.objects.filter(phone_digest__in=digests, is_active=True).values_list("phone_digest", "pk"):
        owners.setdefault(digest, []).append(pk)
    for party in parties:
        found = owners.get(party.phone_digest, [])
        if party.user_id is None and len(found) == 1:
            party.user_id = found[0]


def _open(
    *,
    actor: User | None,
    parties: Sequence[PartyIn],
    action: str,
    now: datetime,
    team: MediationTeam | None = None,
    note: str = "",
    **fields: Any,
) -> Case:
    """Create a case in `applied` from `fields` (the Case's own columns), with its parties, its
    first timeline row and the notifications: the one way every case is opened."""
    if fields["category"] not in Category.values:
        raise InvalidInput(
            fields={
                "category": [
                    Msg("须为 {values} 之一。", "must be one of {values}").format(values=", ".join(Category.values))
                ]
            }
        )
    _check_parties(parties)
    if team is not None:
        events.ensure_team_serves(team, fields["grid"])
    case = Case.objects.create(team=team, registered_by=actor, **fields)
    case.number = f"TJ{timezone.localtime(now):%Y%m%d}{case.pk:06d}"
    case.refresh_due_epoch(now)
    case.save(update_fields=["number", "due_epoch"])
    rows = []
    for p in parties:
        row = Party(case=case, name=p.name, role=p.role, user=p.user)
        row.set_phone(p.phone)
        rows.append(row)
    _link_users(rows)
    Party.objects.bulk_create(rows)
    workflow.record(case, action, actor=actor, after=case.status, note=note, at=now)
    events.tell_people(case, "mediation_case_applied")
    if team is not None:
        notify(event="mediation_case_offered", users=events.leads(team), context=events.context(case))
    return case


def _as_first_applicant(parties: Sequence[PartyIn], user: User) -> list[PartyIn]:
    """The resident applying is the first applicant party (with their bound phone if none given)."""
    out, done = [], False
    for p in parties:
        if not done and p.role == Party.Role.APPLICANT:
            p, done = PartyIn(name=p.name, role=p.role, phone=p.phone or user.phone, user=user), True
        out.append(p)
    return out


@transaction.atomic
def case_create(
    *,
    actor: User,
    category: str,
    description: str,
    parties: Sequence[PartyIn],
    grid: GridUnit | None = None,
    team: MediationTeam | None = None,
    title: str = "",
    now: datetime | None = None,
) -> Case:
    """A resident applies (their home grid unless they name one near it; they are the first
    applicant), or staff / a grid worker registers a dispute found in their area. `team`
    offers the case to a named team serving the grid (its lead may then accept it)."""
    grid, source = _where_and_how(actor, grid)
    by_resident = source == Source.RESIDENT
    return _open(
        actor=actor,
        parties=_as_first_applicant(parties, actor) if by_resident else parties,
        action="apply" if by_resident else "register",
        now=now or timezone.now(),
        team=team,
        grid=grid,
        source=source,
        category=category,
        description=description,
        title=title,
        applicant=actor if by_resident else None,
    )


# The appeals app's categories, mapped onto ours.
APPEAL_CATEGORIES = {"neighbour": Category.NEIGHBOUR, "property": Category.PROPERTY}


@transaction.atomic
def case_open_from_appeal(*, appeal: Any, actor: Any) -> Case:
    """Open a case for an appeal handed over by `actor`, a handler of its handling grid
    (403 otherwise). One case per appeal: a second hand-over is 409 `already_in_mediation`."""
    grid: GridUnit = appeal.handling_grid
    if not in_reach(actor, grid, HANDLER_ROLES):
        raise PermissionDenied()
    taken = Conflict(Msg("该诉求已转入调解。", "This appeal is already in mediation."), code="already_in_mediation")
    if Case.objects.filter(source_appeal_id=appeal.pk).exists():
        raise taken
    submitter: User | None = appeal.submitter  # a hotline caller may have no account
    applicant = PartyIn(
        name=submitter.display_name if submitter else "诉求人",
        role=Party.Role.APPLICANT,
        phone=submitter.phone if submitter else "",
        user=submitter,
    )
    try:
        with transaction.atomic():  # two hand-overs at once: the unique constraint decides
            return _open(
                actor=actor,
                parties=[applicant],
                action="from_appeal",
                note=f"诉求 {appeal.number} 转入调解",
                now=timezone.now(),
                grid=grid,
                source=Source.APPEAL,
                source_appeal_id=appeal.pk,
                category=APPEAL_CATEGORIES.get(appeal.category, Category.OTHER),
                description=appeal.description or appeal.title,
                title=(appeal.title or "")[:100],
                applicant=submitter,
            )
    except IntegrityError as exc:
        raise taken from exc


@transaction.atomic
def case_receive_dispatched(
    *, category: str, description: str, grid: GridUnit, parties: Sequence[PartyIn], now: datetime | None = None
) -> Case:
    """A case the city's conflict system (智慧矛盾系统) sends down: opened by the system, no
    user acting, and offered to the nearest active team serving its grid (its lead accepts).
    The SEAM for `linkage`, which keeps the external id and makes it once per dispatch."""
    team = (
        MediationTeam.objects.filter(grid__path__in=grid.ancestor_paths, active=True)
        .order_by("-grid__depth", "pk")
        .first()
    )
    return _open(
        actor=None,
        parties=parties,
        action="dispatch",
        note="智慧矛盾系统下派",
        now=now or timezone.now(),
        team=team,
        grid=grid,
        source=Source.CONFLICT_SYSTEM,
        category=category,
        description=description,
    )

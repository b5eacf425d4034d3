"""Mediation services. SEAM for the appeals app (keep the signature):

    case_open_from_appeal(*, appeal, actor) -> Case

opens a case in status `applied` for an appeal's dispute (the appeal's submitter as the
applicant party, its description, category mapped, its handling grid) and returns it. The
case stores the appeal's id as `source_appeal_id` (an integer, no foreign key, so neither app's
migrations depend on the other's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from backend.messages import Msg
from backend.statemachine import apply_transition
from grids.models import Assignment, GridLevel, GridUnit
from grids.roles import HANDLER_ROLES, STAFF_ROLES
from grids.scope import in_reach, is_staff_side
from notifications.services import notify
from residents.models import ResidenceStatus, User
from residents.selectors import current_residence

from . import permissions, selectors
from .models import (
    CLOCK_STATUSES,
    Agreement,
    Case,
    CaseEvent,
    CaseStatus,
    Category,
    FollowUp,
    MediationTeam,
    MemberRole,
    Outcome,
    Party,
    Referral,
    Session,
    Source,
    TeamMember,
)

# --- teams -------------------------------------------------------------------------------


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
    try:
        with transaction.atomic():
            member = TeamMember.objects.create(team=team, user=user, role=role, added_by=actor)
    except IntegrityError as exc:
        raise Conflict(Msg("该用户已是本组织成员。", "This user is already a member."), code="already_member") from exc
    permissions.forget_roles(user)
    return member


# --- helpers shared by every case write --------------------------------------------------


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("grid", "team__grid").get(pk=case.pk)


def _begin(
    case: Case, action: str, *, actor: User, may: Callable[[User, Case], None], now: datetime | None
) -> tuple[Case, str, datetime]:
    """The start of every write on a case: lock it, check the caller (`may` raises 403), check
    that the table allows `action` from its status (409). The move is saved by `_commit`."""
    case = _lock(case)
    may(actor, case)
    before, _ = apply_transition(case, action, save=False)
    return case, before, now or timezone.now()


def _commit(
    case: Case,
    action: str,
    *,
    before: str,
    actor: User | None,
    now: datetime,
    note: str = "",
    **changes: Any,
) -> None:
    """Save a case moved by `_begin` with `changes` (its own columns) and write its timeline row."""
    for name, value in changes.items():
        setattr(case, name, value)
    case.refresh_due_epoch(now)
    case.save(update_fields=["status", "due_epoch", "updated_at", *changes])
    CaseEvent.objects.create(
        case=case, action=action, actor=actor, from_status=before, to_status=case.status, note=note, at=now
    )


def _context(case: Case, **extra: Any) -> dict[str, Any]:
    return {
        "case_id": case.pk,
        "number": case.number or "",
        "category": Category(case.category).label,
        "status": CaseStatus(case.status).label,
        "title": case.title or case.description[:20],
        "team": case.team.name if case.team_id else "",
        "due_at": _local(case.due_at),
        **extra,
    }


def _local(at: datetime | None) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""


def _people(case: Case) -> list[User]:
    """The applicant and the parties who are users: told of every change of state."""
    ids = {case.applicant_id, *case.parties.exclude(user=None).values_list("user_id", flat=True)} - {None}
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def _leads(team: MediationTeam) -> list[User]:
    return [m.user for m in TeamMember.objects.filter(team=team, role=MemberRole.LEAD).select_related("user")]


def _tell_people(case: Case, event: str, **extra: Any) -> None:
    notify(event=event, users=_people(case), context=_context(case, **extra))


def _next_session_at(case: Case) -> datetime | None:
    pending = case.sessions.filter(recorded_at=None, cancelled_at=None).order_by("scheduled_at").first()
    return pending.scheduled_at if pending else None


def _ensure_team_serves(team: MediationTeam, grid: GridUnit, field: str = "team") -> None:
    if not team.active or not team.serves(grid):
        raise InvalidInput(
            Msg("所选调解组织不负责该网格。", "This team does not serve that grid."),
            fields={field: ["must be an active team whose unit contains the case's grid"]},
        )


# --- opening a case ----------------------------------------------------------------------


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
        raise InvalidInput(
            Msg("请选择纠纷所在网格。", "Choose the grid of the dispute."), fields={"grid": ["required"]}
        )
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
        raise InvalidInput(fields={"parties": [f"role must be one of {', '.join(Party.Role.values)}"]})
    if Party.Role.APPLICANT not in roles:
        raise InvalidInput(
            Msg("至少需要一名申请人。", "At least one applicant is required."),
            fields={"parties": ["at least one party with role applicant"]},
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
        raise InvalidInput(fields={"category": [f"must be one of {', '.join(Category.values)}"]})
    _check_parties(parties)
    if team is not None:
        _ensure_team_serves(team, fields["grid"])
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
    CaseEvent.objects.create(case=case, action=action, actor=actor, to_status=case.status, note=note, at=now)
    _tell_people(case, "mediation_case_applied")
    if team is not None:
        notify(event="mediation_case_offered", users=_leads(team), context=_context(case))
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


# --- triage ------------------------------------------------------------------------------


@transaction.atomic
def case_accept(
    *, case: Case, actor: User, team: MediationTeam, mediators: Iterable[User], now: datetime | None = None
) -> Case:
    """Staff of the case's area (any team serving its grid) or the lead of the team it is offered
    to take it on, naming mediators from the team's members; it is due in MEDIATION_CASE_DAYS."""
    case, before, now = _begin(
        case, "accept", actor=actor, may=lambda user, c: permissions.ensure_can_triage(user, c, team), now=now
    )
    _ensure_team_serves(team, case.grid)
    mediators = list({m.pk: m for m in mediators}.values())
    member_ids = set(TeamMember.objects.filter(team=team, user__in=mediators).values_list("user_id", flat=True))
    if not mediators or any(m.pk not in member_ids for m in mediators):
        raise InvalidInput(
            Msg("调解员须是该组织的成员。", "The mediators must be members of the team."),
            fields={"mediators": ["one or more members of the team"]},
        )
    _commit(
        case,
        "accept",
        before=before,
        actor=actor,
        now=now,
        note=f"{team.name}：{'、'.join(m.display_name for m in mediators)}",
        team=team,
        accepted_at=now,
        due_at=now + timedelta(days=settings.MEDIATION_CASE_DAYS),
        is_overdue=False,
        overdue_at=None,
    )
    case.mediators.set(mediators)
    _tell_people(case, "mediation_case_accepted")
    notify(event="mediation_case_assigned", users=mediators, context=_context(case))
    return case


@transaction.atomic
def case_decline(*, case: Case, actor: User, reason: str, now: datetime | None = None) -> Case:
    case, before, now = _begin(case, "decline", actor=actor, may=permissions.ensure_can_triage, now=now)
    _commit(case, "decline", before=before, actor=actor, now=now, note=reason, decline_reason=reason, closed_at=now)
    _tell_people(case, "mediation_case_declined", reason=reason)
    return case


# --- mediating ---------------------------------------------------------------------------


@transaction.atomic
def session_schedule(
    *, case: Case, actor: User, scheduled_at: datetime, place: str, now: datetime | None = None
) -> Session:
    """A mediation session; the first one starts `mediating`. The parties are told; the
    mediators are reminded before it (tasks.remind_upcoming_sessions)."""
    case, before, now = _begin(case, "schedule", actor=actor, may=permissions.ensure_can_mediate, now=now)
    session = Session.objects.create(case=case, scheduled_at=scheduled_at, place=place, created_by=actor)
    note = f"{_local(scheduled_at)} {place}"
    _commit(case, "schedule", before=before, actor=actor, now=now, note=note, next_session_at=_next_session_at(case))
    _tell_people(case, "mediation_session_scheduled", when=_local(scheduled_at), place=place)
    return session


@transaction.atomic
def session_record(*, case: Case, session_id: int, actor: User, notes: str, now: datetime | None = None) -> Session:
    case, before, now = _begin(case, "record", actor=actor, may=permissions.ensure_can_mediate, now=now)
    session = Session.objects.select_for_update().filter(pk=session_id, case=case).first()
    if session is None:
        raise NotFound()
    if not session.is_pending:
        raise Conflict(
            Msg("该调解会已记录或已取消。", "This session is already recorded or cancelled."),
            code="session_already_recorded",
        )
    session.notes, session.recorded_at, session.recorded_by = notes, now, actor
    session.save(update_fields=["notes", "recorded_at", "recorded_by"])
    _commit(
        case, "record", before=before, actor=actor, now=now, note=notes[:200], next_session_at=_next_session_at(case)
    )
    return session


@transaction.atomic
def case_agree(*, case: Case, actor: User, terms: str, now: datetime | None = None) -> Case:
    case, before, now = _begin(case, "agree", actor=actor, may=permissions.ensure_can_mediate, now=now)
    Agreement.objects.create(case=case, terms=terms, recorded_by=actor)
    _commit(case, "agree", before=before, actor=actor, now=now, outcome=Outcome.AGREED, outcome_at=now)
    _tell_people(case, "mediation_case_agreed")
    return case


@transaction.atomic
def case_fail(*, case: Case, actor: User, reason: str, referral: str, now: datetime | None = None) -> Case:
    case, before, now = _begin(case, "fail", actor=actor, may=permissions.ensure_can_mediate, now=now)
    _commit(
        case,
        "fail",
        before=before,
        actor=actor,
        now=now,
        note=reason,
        outcome=Outcome.FAILED,
        outcome_at=now,
        failure_reason=reason,
        referral=referral,
    )
    _tell_people(case, "mediation_case_failed", reason=reason, referral=Referral(referral).label)
    return case


@transaction.atomic
def case_follow_up(*, case: Case, actor: User, notes: str, fulfilled: bool, now: datetime | None = None) -> Case:
    """The return visit after an outcome closes the case."""
    case, before, now = _begin(case, "follow_up", actor=actor, may=permissions.ensure_can_mediate, now=now)
    FollowUp.objects.create(case=case, notes=notes, fulfilled=fulfilled, by=actor)
    note = ("已履行" if fulfilled else "未履行") + f"：{notes[:200]}"
    _commit(case, "follow_up", before=before, actor=actor, now=now, note=note, closed_at=now)
    _tell_people(case, "mediation_case_closed")
    return case


@transaction.atomic
def case_escalate(
    *, case: Case, actor: User, reason: str, team: MediationTeam | None = None, now: datetime | None = None
) -> Case:
    """Hand the case to a team one level up: `team` when the caller names one attached to an
    ancestor of the current team's unit, else the nearest such active team (409
    `no_higher_team` when there is none). The case goes back to `applied`, offered to that team:
    its lead (or staff) accepts it with its own mediators and the deadline starts again; the
    old team's pending sessions are cancelled."""
    case, before, now = _begin(case, "escalate", actor=actor, may=permissions.ensure_can_escalate, now=now)
    current = case.team
    if team is None:
        team = selectors.nearest_higher_team(current)
        if team is None:
            raise Conflict(Msg("没有上级调解组织。", "There is no team one level up."), code="no_higher_team")
    elif not (team.active and team.grid.path != current.grid.path and current.grid.path.startswith(team.grid.path)):
        raise InvalidInput(
            Msg("只能移交给上级网格的调解组织。", "Choose an active team of a unit above the current team's."),
            fields={"team": ["must be an active team attached to an ancestor of the current team's unit"]},
        )
    old_mediators = list(case.mediators.all())
    case.sessions.filter(recorded_at=None, cancelled_at=None).update(cancelled_at=now)
    _commit(
        case,
        "escalate",
        before=before,
        actor=actor,
        now=now,
        note=f"{current.name} → {team.name}：{reason}",
        team=team,
        accepted_at=None,
        due_at=None,
        is_overdue=False,
        overdue_at=None,
        next_session_at=None,
    )
    case.mediators.clear()
    context = _context(case, reason=reason)
    notify(event="mediation_case_escalated", users=[*_people(case), *old_mediators], context=context)
    notify(event="mediation_case_offered", users=_leads(team), context=context)
    return case


# --- periodic ----------------------------------------------------------------------------


def _street_staff(cases: Sequence[Case]) -> dict[str, list[User]]:
    """Street path -> users with STAFF_ROLES on that street unit (one query for all cases)."""
    wanted = {p for c in cases for p in c.grid.ancestor_paths}
    rows = Assignment.objects.filter(
        unit__path__in=wanted, unit__level=GridLevel.STREET, role__in=STAFF_ROLES
    ).select_related("user", "unit")
    staff: dict[str, dict[int, User]] = {}
    for row in rows:
        staff.setdefault(row.unit.path, {})[row.user_id] = row.user
    return {path: list(users.values()) for path, users in staff.items()}


def cases_flag_overdue(*, now: datetime | None = None, batch: int = 200) -> int:
    """Flag accepted/mediating cases past `due_at`, once each, and tell their team's lead and
    the street's staff. Safe to run often and from several workers (rows locked, skip locked).
    Returns how many were flagged."""
    now = now or timezone.now()
    flagged = 0
    while True:
        with transaction.atomic():
            cases = list(
                Case.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status__in=CLOCK_STATUSES, is_overdue=False, due_at__lt=now)
                .select_related("grid", "team")
                .order_by("pk")[:batch]
            )
            if not cases:
                return flagged
            Case.objects.filter(pk__in=[c.pk for c in cases]).update(is_overdue=True, overdue_at=now)
            CaseEvent.objects.bulk_create(
                CaseEvent(
                    case=c, action="overdue", from_status=c.status, to_status=c.status, note=_local(c.due_at), at=now
                )
                for c in cases
            )
            leads: dict[int, list[User]] = {}
            for m in TeamMember.objects.filter(
                team__in={c.team_id for c in cases}, role=MemberRole.LEAD
            ).select_related("user"):
                leads.setdefault(m.team_id, []).append(m.user)
            staff = _street_staff(cases)
            for case in cases:
                street = next((p for p in case.grid.ancestor_paths if p in staff), None)
                users = {u.pk: u for u in [*leads.get(case.team_id, []), *staff.get(street, [])]}
                notify(event="mediation_case_overdue", users=list(users.values()), context=_context(case))
        flagged += len(cases)
        if len(cases) < batch:
            return flagged


def sessions_remind_upcoming(*, now: datetime | None = None, batch: int = 200) -> int:
    """Remind each case's mediators of a session starting within MEDIATION_REMINDER_HOURS,
    once per session. Returns how many sessions were reminded."""
    now = now or timezone.now()
    horizon = now + timedelta(hours=settings.MEDIATION_REMINDER_HOURS)
    reminded = 0
    while True:
        with transaction.atomic():
            sessions = list(
                Session.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    reminded_at=None,
                    recorded_at=None,
                    cancelled_at=None,
                    scheduled_at__gt=now,
                    scheduled_at__lte=horizon,
                    case__status=CaseStatus.MEDIATING,
                )
                .select_related("case__team")
                .prefetch_related("case__mediators")
                .order_by("scheduled_at", "pk")[:batch]
            )
            if not sessions:
                return reminded
            Session.objects.filter(pk__in=[s.pk for s in sessions]).update(reminded_at=now)
            for s in sessions:
                context = _context(s.case, when=_local(s.scheduled_at), place=s.place, session_id=s.pk)
                notify(event="mediation_session_reminder", users=list(s.case.mediators.all()), context=context)
        reminded += len(sessions)
        if len(sessions) < batch:
            return reminded

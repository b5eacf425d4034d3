"""A case from acceptance to closing, one function per use case: staff or the offered team's
lead accept or decline it; its mediators schedule and record sessions, record the agreement or
the failure, and the follow-up visit that closes it; or hand it to a team one level up. Each
starts with `events.begin` (lock, who may act, is the move allowed) and ends with `events.move`
(the move, its timeline row) before telling whoever should hear."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from backend.errors import Conflict, InvalidInput, NotFound
from backend.messages import Msg
from notifications.services import notify
from residents.models import User

from . import events, permissions, selectors
from .models import Agreement, Case, FollowUp, MediationTeam, Outcome, Referral, Session, TeamMember


@transaction.atomic
def case_accept(
    *, case: Case, actor: User, team: MediationTeam, mediators: Iterable[User], now: datetime | None = None
) -> Case:
    """Staff of the case's area (any team serving its grid) or the lead of the team it is offered
    to take it on, naming mediators from the team's members; it is due in MEDIATION_CASE_DAYS."""
    case, now = events.begin(
        case, "accept", actor=actor, may=lambda user, c: permissions.ensure_can_triage(user, c, team), now=now
    )
    events.ensure_team_serves(team, case.grid)
    mediators = list({m.pk: m for m in mediators}.values())
    member_ids = set(TeamMember.objects.filter(team=team, user__in=mediators).values_list("user_id", flat=True))
    if not mediators or any(m.pk not in member_ids for m in mediators):
        raise InvalidInput(
            Msg("调解员须是该组织的成员。", "The mediators must be members of the team."),
            fields={"mediators": [Msg("须为该团队的一名或多名成员。", "one or more members of the team")]},
        )
    events.move(
        case,
        "accept",
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
    events.tell_people(case, "mediation_case_accepted")
    notify(event="mediation_case_assigned", users=mediators, context=events.context(case))
    return case


@transaction.atomic
def case_decline(*, case: Case, actor: User, reason: str, now: datetime | None = None) -> Case:
    case, now = events.begin(case, "decline", actor=actor, may=permissions.ensure_can_triage, now=now)
    events.move(case, "decline", actor=actor, now=now, note=reason, decline_reason=reason, closed_at=now)
    events.tell_people(case, "mediation_case_declined", reason=reason)
    return case


# --- mediating ---------------------------------------------------------------------------


@transaction.atomic
def session_schedule(
    *, case: Case, actor: User, scheduled_at: datetime, place: str, now: datetime | None = None
) -> Session:
    """A mediation session; the first one starts `mediating`. The parties are told; the
    mediators are reminded before it (tasks.remind_upcoming_sessions)."""
    case, now = events.begin(case, "schedule", actor=actor, may=permissions.ensure_can_mediate, now=now)
    session = Session.objects.create(case=case, scheduled_at=scheduled_at, place=place, created_by=actor)
    note = f"{events.local(scheduled_at)} {place}"
    events.move(case, "schedule", actor=actor, now=now, note=note, next_session_at=events.next_session_at(case))
    events.tell_people(case, "mediation_session_scheduled", when=events.local(scheduled_at), place=place)
    return session


@transaction.atomic
def session_record(*, case: Case, session_id: int, actor: User, notes: str, now: datetime | None = None) -> Session:
    case, now = events.begin(case, "record", actor=actor, may=permissions.ensure_can_mediate, now=now)
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
    events.move(case, "record", actor=actor, now=now, note=notes[:200], next_session_at=events.next_session_at(case))
    return session


@transaction.atomic
def case_agree(*, case: Case, actor: User, terms: str, now: datetime | None = None) -> Case:
    case, now = events.begin(case, "agree", actor=actor, may=permissions.ensure_can_mediate, now=now)
    Agreement.objects.create(case=case, terms=terms, recorded_by=actor)
    events.move(case, "agree", actor=actor, now=now, outcome=Outcome.AGREED, outcome_at=now)
    events.tell_people(case, "mediation_case_agreed")
    return case


@transaction.atomic
def case_fail(*, case: Case, actor: User, reason: str, referral: str, now: datetime | None = None) -> Case:
    case, now = events.begin(case, "fail", actor=actor, may=permissions.ensure_can_mediate, now=now)
    events.move(
        case,
        "fail",
        actor=actor,
        now=now,
        note=reason,
        outcome=Outcome.FAILED,
        outcome_at=now,
        failure_reason=reason,
        referral=referral,
    )
    events.tell_people(case, "mediation_case_failed", reason=reason, referral=Referral(referral).label)
    return case


@transaction.atomic
def case_follow_up(*, case: Case, actor: User, notes: str, fulfilled: bool, now: datetime | None = None) -> Case:
    """The return visit after an outcome closes the case."""
    case, now = events.begin(case, "follow_up", actor=actor, may=permissions.ensure_can_mediate, now=now)
    FollowUp.objects.create(case=case, notes=notes, fulfilled=fulfilled, by=actor)
    note = ("已履行" if fulfilled else "未履行") + f"：{notes[:200]}"
    events.move(case, "follow_up", actor=actor, now=now, note=note, closed_at=now)
    events.tell_people(case, "mediation_case_closed")
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
    case, now = events.begin(case, "escalate", actor=actor, may=permissions.ensure_can_escalate, now=now)
    current = case.team
    if team is None:
        team = selectors.nearest_higher_team(current)
        if team is None:
            raise Conflict(Msg("没有上级调解组织。", "There is no team one level up."), code="no_higher_team")
    elif not (team.active and team.grid.path != current.grid.path and current.grid.path.startswith(team.grid.path)):
        raise InvalidInput(
            Msg("只能移交给上级网格的调解组织。", "Choose an active team of a unit above the current team's."),
            fields={
                "team": [
                    Msg(
                        "须为当前团队所在单位的上级单位中的在用团队。",
                        "must be an active team attached to an ancestor of the current team's unit",
                    )
                ]
            },
        )
    old_mediators = list(case.mediators.all())
    case.sessions.filter(recorded_at=None, cancelled_at=None).update(cancelled_at=now)
    events.move(
        case,
        "escalate",
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
    context = events.context(case, reason=reason)
    notify(event="mediation_case_escalated", users=[*events.people(case), *old_mediators], context=context)
    notify(event="mediation_case_offered", users=events.leads(team), context=context)
    return case

"""Handling an appeal, one function per use case: the handling unit accepts, replies,
resolves, rejects, escalates or hands it to mediation; the submitter replies, reopens or rates.
Each locks the appeal (its row alone), checks who may act, moves it along Appeal.TRANSITIONS
through `events.move` (timeline row, hotline outbox) and tells whoever should hear."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from backend import workflow
from backend.errors import Conflict
from backend.messages import Msg
from grids.models import GridLevel
from mediation import services as mediation_services
from residents.models import User

from . import events
from .clock import due_dates
from .models import REPLY_STATUSES, Appeal, AppealEvent, AppealStatus

S = AppealStatus


# A handler's plain step: the event the submitter hears and the time it stamps.
HANDLER_STEPS: dict[str, tuple[str, str]] = {
    "accept": ("appeal_accepted", "accepted_at"),
    "resolve": ("appeal_resolved", "resolved_at"),
    "reject": ("appeal_rejected", "closed_at"),
}


def _handler_step(
    action: str, *, appeal: Appeal, actor: User, now: datetime | None, note: str = "", **changes: Any
) -> Appeal:
    """A handler's transition: lock, check, stamp the time and `changes`, move along the
    table, write the timeline, tell the submitter (HANDLER_STEPS)."""
    event_name, stamp = HANDLER_STEPS[action]
    now = events.now_or(now)
    appeal = events.lock(appeal)
    events.ensure_handler(actor, appeal)
    event = events.move(appeal, action, actor=actor, at=now, note=note, changes={stamp: now, **changes})
    events.tell_submitter(appeal, event_name, event)
    return appeal


@transaction.atomic
def appeal_accept(*, appeal: Appeal, actor: User, now: datetime | None = None) -> Appeal:
    return _handler_step("accept", appeal=appeal, actor=actor, now=now, accepted_by=actor)


@transaction.atomic
def appeal_reply(*, appeal: Appeal, actor: User, content: str, now: datetime | None = None) -> Appeal:
    """A message on the timeline from a handler or the submitter; no change of state."""
    now = events.now_or(now)
    appeal = events.lock(appeal)
    from_submitter = appeal.submitter_id is not None and appeal.submitter_id == actor.pk
    if not from_submitter:
        events.ensure_handler(actor, appeal)
    if appeal.status not in REPLY_STATUSES:
        raise Conflict(Msg("诉求已结束，不能再回复。", "This appeal is finished."), code="appeal_finished")
    Appeal.objects.filter(pk=appeal.pk).update(updated_at=now)
    event = events.note(appeal, "reply", actor=actor, at=now, text=content)
    if from_submitter:
        events.tell_handler(appeal, "appeal_submitter_replied", event)
    else:
        events.tell_submitter(appeal, "appeal_replied", event)
    return appeal


@transaction.atomic
def appeal_resolve(*, appeal: Appeal, actor: User, content: str, now: datetime | None = None) -> Appeal:
    return _handler_step("resolve", appeal=appeal, actor=actor, now=now, note=content)


@transaction.atomic
def appeal_reject(*, appeal: Appeal, actor: User, reason: str, now: datetime | None = None) -> Appeal:
    return _handler_step("reject", appeal=appeal, actor=actor, now=now, note=reason)


def escalate_locked(appeal: Appeal, *, actor: User | None, reason: str, now: datetime) -> AppealEvent:
    """One level up (grid -> community -> street -> district), back to `submitted` there, with
    fresh deadlines for the new level. `appeal` is locked, with handling_grid.parent loaded
    (the deadline task escalates through here too)."""
    source = appeal.handling_grid
    target = source.parent
    if target is None or source.level == GridLevel.DISTRICT:
        raise Conflict(Msg("已在区级办理，无法再上报。", "The district is the top level."), code="cannot_escalate")
    accept_due_at, due_at = due_dates(category=appeal.category, level=target.level, start=now)
    event = events.move(
        appeal,
        "escalate",
        actor=actor,
        at=now,
        note=reason,
        from_grid=source,
        to_grid=target,
        changes={
            "handling_grid": target,
            "handling_path": target.path,
            "level": target.level,
            "accept_due_at": accept_due_at,
            "due_at": due_at,
            "escalations": appeal.escalations + 1,
            "left_grid": True,
            "is_overdue": False,
            "overdue_at": None,
            "accepted_by": None,
            "accepted_at": None,
        },
    )
    events.tell_submitter(appeal, "appeal_escalated", event)
    events.tell_unit(appeal, "appeal_escalated_in", event)
    return event


@transaction.atomic
def appeal_escalate(*, appeal: Appeal, actor: User, reason: str, now: datetime | None = None) -> Appeal:
    appeal = events.lock(appeal)
    events.ensure_handler(actor, appeal)
    escalate_locked(appeal, actor=actor, reason=reason, now=events.now_or(now))
    return appeal


@transaction.atomic
def appeal_to_mediation(*, appeal: Appeal, actor: User, now: datetime | None = None) -> Appeal:
    """Hand a dispute to the mediation app (its seam `case_open_from_appeal`) and keep the
    case's id on the appeal."""
    now = events.now_or(now)
    appeal = events.lock(appeal)
    events.ensure_handler(actor, appeal)
    if appeal.mediation_case_id is not None:
        raise Conflict(Msg("该诉求已转入调解。", "This appeal is already in mediation."), code="already_in_mediation")
    workflow.check(appeal, "to_mediation")  # 409 before a case is opened
    case = mediation_services.case_open_from_appeal(appeal=appeal, actor=actor)
    changes: dict[str, Any] = {"mediation_case_id": case.pk}
    if appeal.accepted_by_id is None:
        changes.update(accepted_by=actor, accepted_at=now)
    event = events.move(appeal, "to_mediation", actor=actor, at=now, note=f"调解案件 #{case.pk}", changes=changes)
    events.tell_submitter(appeal, "appeal_to_mediation", event)
    return appeal


# --- the submitter -----------------------------------------------------------------------


@transaction.atomic
def appeal_reopen(*, appeal: Appeal, actor: User, reason: str, now: datetime | None = None) -> Appeal:
    now = events.now_or(now)
    appeal = events.lock(appeal)
    events.ensure_submitter(actor, appeal)
    window = timedelta(days=settings.APPEAL_REOPEN_DAYS)
    if appeal.status == S.RESOLVED and appeal.resolved_at and now - appeal.resolved_at > window:
        raise Conflict(
            Msg("办结已超过 {d} 天，不能再重新打开。", "More than {d} days since it was resolved.").format(
                d=settings.APPEAL_REOPEN_DAYS
            ),
            code="reopen_window_closed",
        )
    event = events.move(appeal, "reopen", actor=actor, at=now, note=reason, changes={"resolved_at": None})
    events.tell_handler(appeal, "appeal_reopened", event)
    return appeal


@transaction.atomic
def appeal_rate(*, appeal: Appeal, actor: User, score: int, comment: str = "", now: datetime | None = None) -> Appeal:
    now = events.now_or(now)
    appeal = events.lock(appeal)
    events.ensure_submitter(actor, appeal)
    if appeal.score is not None:
        raise Conflict(Msg("已经评价过了。", "This appeal is already rated."), code="already_rated")
    event = events.move(
        appeal,
        "rate",
        actor=actor,
        at=now,
        note=f"{score}/5 {comment}".strip(),
        changes={"score": score, "rating_comment": comment, "rated_at": now, "closed_at": now},
    )
    events.tell_handler(appeal, "appeal_rated", event)
    return appeal


def appeal_note_petition(*, appeal: Appeal, status: str, deadline: datetime | None) -> None:
    """The SEAM for the linkage app: the petition's state as the appeal shows it (the timeline
    rows are written by the linkage through backend.workflow)."""
    Appeal.objects.filter(pk=appeal.pk).update(petition_status=status, petition_deadline=deadline)
    appeal.petition_status, appeal.petition_deadline = status, deadline

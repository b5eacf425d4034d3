"""What every appeal use case shares (Saleor's per-app `events.py`): the row lock, who may act,
the move along Appeal.TRANSITIONS with its timeline row (and, for a hotline appeal, the outbox
row for the 12345 platform), and who hears of it.

The lock, the compare-and-set move and the timeline row are `backend.workflow`'s; this module
adds only what is the appeal's own."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from backend import workflow
from backend.errors import PermissionDenied
from backend.messages import Msg
from grids.models import GridUnit
from grids.roles import HANDLER_ROLES
from grids.scope import in_reach
from notifications.services import notify
from residents.models import User

from . import hotline
from .models import Appeal, AppealEvent

# Loaded after the row lock by separate queries: the lock itself joins nothing.
LOCK_RELATED = ("handling_grid__parent", "grid", "submitter")


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def lock(appeal: Appeal) -> Appeal:
    return workflow.lock(appeal, related=LOCK_RELATED)


def move(
    appeal: Appeal,
    action: str,
    *,
    actor: User | None,
    at: datetime,
    note: str = "",
    changes: Mapping[str, Any] | None = None,
    from_grid: GridUnit | None = None,
    to_grid: GridUnit | None = None,
) -> AppealEvent:
    """Apply `action` (409 when the table forbids it or the row moved), save `changes` with it,
    write the timeline row; a hotline appeal's change also goes to the platform's outbox."""
    event = workflow.transition(
        appeal,
        action,
        actor=actor,
        at=at,
        note=note,
        changes=changes,
        event={"from_grid": from_grid, "to_grid": to_grid},
    )
    assert isinstance(event, AppealEvent)
    if appeal.hotline_order_id:
        hotline.queue_status(appeal, event)
    return event


def note(
    appeal: Appeal, action: str, *, actor: User | None, at: datetime, text: str = "", before: str | None = None
) -> AppealEvent:
    """A timeline row that is not a move (a reply, an overdue flag; a submission, from "")."""
    before = appeal.status if before is None else before
    event = workflow.record(appeal, action, actor=actor, before=before, after=appeal.status, at=at, note=text)
    assert isinstance(event, AppealEvent)
    return event


def ensure_handler(actor: User, appeal: Appeal) -> None:
    if not in_reach(actor, appeal.handling_grid, HANDLER_ROLES):
        raise PermissionDenied(
            Msg("只有承办网格的工作人员可以办理。", "Only the handling unit's staff may do this."), code="not_handler"
        )


def ensure_submitter(actor: User, appeal: Appeal) -> None:
    if appeal.submitter_id is None or appeal.submitter_id != actor.pk:
        raise PermissionDenied(Msg("只有提交人可以这样做。", "Only the submitter may do this."), code="not_submitter")


def _local(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def context(appeal: Appeal, event: AppealEvent | None = None) -> dict[str, Any]:
    return {
        "appeal_id": appeal.pk,
        "number": appeal.number,
        "title": appeal.title,
        "category": appeal.get_category_display(),
        "status": appeal.get_status_display(),
        "grid_name": appeal.handling_grid.name,
        "note": event.note if event else "",
        "at": _local(event.at if event else appeal.created_at),
        "due_at": _local(appeal.due_at),
        "accept_due_at": _local(appeal.accept_due_at),
    }


def handlers_at(unit: GridUnit) -> QuerySet[User]:
    """The people holding a handler role at the unit itself (its grid workers, its staff)."""
    return User.objects.filter(assignments__unit=unit, assignments__role__in=HANDLER_ROLES).distinct()


def tell_submitter(appeal: Appeal, event_name: str, event: AppealEvent) -> None:
    """The submitter hears of every change they did not make themselves (hotline callers hear
    through the platform instead)."""
    if appeal.submitter_id and appeal.submitter_id != event.actor_id:
        notify(
            event=event_name, users=[appeal.submitter], context=context(appeal, event), channels={"inbox", "subscribe"}
        )


def tell_unit(appeal: Appeal, event_name: str, event: AppealEvent | None = None) -> None:
    """The handling unit's group chat and its handlers' inboxes."""
    notify(
        event=event_name,
        users=handlers_at(appeal.handling_grid),
        grid=appeal.handling_grid,
        context=context(appeal, event),
        channels={"inbox", "group_chat"},
    )


def tell_handler(appeal: Appeal, event_name: str, event: AppealEvent) -> None:
    """The submitter acted: whoever took the appeal on hears of it, else the handling unit."""
    if appeal.accepted_by_id:
        notify(event=event_name, users=[appeal.accepted_by], context=context(appeal, event), channels={"inbox"})
    else:
        tell_unit(appeal, event_name, event)

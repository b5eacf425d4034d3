"""What every 每月一事 use case shares: the row lock, the move along Round.TRANSITIONS with its
history row (`backend.workflow`), who may act, and who hears of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from backend import workflow
from backend.errors import PermissionDenied
from backend.messages import Msg
from grids.models import GridUnit
from grids.scope import ensure_in_reach
from notifications.services import notify

from . import selectors
from .models import Round

NOT_ELIGIBLE = Msg(
    "只有住址已核实且住在本轮范围内的居民可以参与。",
    "Only residents with a verified home inside this round's area may take part.",
)


def now(value: datetime | None) -> datetime:
    return value or timezone.now()


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def note(
    round_: Round, action: str, *, actor: Any = None, before: str = "", after: str = "", note: str = "", at: datetime
) -> None:
    """A history row that is not a move (created, edited, a candidate added, a reminder)."""
    workflow.record(round_, action, actor=_user(actor), before=before, after=after, note=note, at=at)


def move(round_: Round, action: str, *, actor: Any, at: datetime, note: str = "", fields: Sequence[str] = ()) -> None:
    """Move along `action` (409 when the table forbids it or the row moved), saving the round's
    `fields` (already set on it) with it, and write the history row."""
    changes = {name: getattr(round_, name) for name in fields}
    workflow.transition(round_, action, actor=_user(actor), at=at, note=note, changes=changes)


def lock(round_: Round) -> Round:
    return workflow.lock(round_, related=("scope",))


def ensure_staff(actor: Any, round_or_scope: Round | GridUnit) -> None:
    scope = round_or_scope.scope if isinstance(round_or_scope, Round) else round_or_scope
    ensure_in_reach(actor, scope)


def ensure_eligible(user: Any, round_: Round) -> None:
    if not selectors.is_eligible(user, round_):
        raise PermissionDenied(NOT_ELIGIBLE, code="not_eligible")


def context(round_: Round, **extra: Any) -> dict[str, Any]:
    local = timezone.localtime
    return {
        "round_id": round_.pk,
        "title": round_.title,
        "month": round_.month,
        "scope": round_.scope.name,
        "voting_ends": local(round_.voting_ends).strftime("%Y-%m-%d %H:%M"),
        **extra,
    }


def tell_scope(round_: Round, event: str, **extra: Any) -> None:
    """The scope's residents (inbox, subscribe messages) and its group chats, subtree-wide."""
    notify(
        event=event,
        residents_under=round_.scope,
        grid=round_.scope,
        subtree=True,
        context=context(round_, **extra),
    )

"""Periodic and deferred work of 每月一事."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.db.models import QuerySet
from django.utils import timezone

from backend.errors import DomainError, IllegalTransition

from .models import Round, RoundStatus

log = logging.getLogger(__name__)


@shared_task(name="monthly.tasks.advance_round_phases")
def advance_round_phases(now: datetime | str | None = None) -> dict[str, Any]:
    """Every 30 s: open voting at `voting_starts`, send the last-day reminder once, close and
    count at `voting_ends`. Idempotent, and two runs at once do each step once: each step is a
    service that locks the round and re-checks its status (a run that comes second meets a 409
    and moves on), or a conditional UPDATE (the reminder)."""
    from . import services

    if isinstance(now, str):
        now = datetime.fromisoformat(now)
    now = now or timezone.now()
    done: dict[str, list[int]] = {"opened": [], "reminded": [], "closed": [], "skipped": []}

    due_to_open = Round.objects.filter(status=RoundStatus.NOMINATING, voting_starts__lte=now)
    # e.g. no candidates yet: staff must add some, the round is skipped until they do
    _move_each(due_to_open, services.round_open_voting, now=now, moved=done["opened"], skipped=done["skipped"])

    last_day = Round.objects.filter(
        status=RoundStatus.VOTING,
        last_day_reminded_at__isnull=True,
        voting_ends__gt=now,
        voting_ends__lte=now + timedelta(days=1),
    )
    for round_id in last_day.order_by("pk").values_list("pk", flat=True):
        round_ = Round(pk=round_id)
        if services.round_remind_last_day(round_=round_, now=now):  # a conditional UPDATE: once
            done["reminded"].append(round_id)

    due_to_close = Round.objects.filter(status=RoundStatus.VOTING, voting_ends__lte=now)
    _move_each(due_to_close, services.round_close, now=now, moved=done["closed"])
    if any(done.values()):
        log.info("monthly phases at %s: %s", now.isoformat(), done)
    return done


def _move_each(
    due: QuerySet[Round],
    move: Callable[..., Round],
    *,
    now: datetime,
    moved: list[int],
    skipped: list[int] | None = None,
) -> None:
    """Move each due round, oldest first. A round another run moved first (a 409) is passed
    over; with `skipped`, a round the move refuses for another reason is logged and listed
    instead of failing the run."""
    for round_id in due.order_by("pk").values_list("pk", flat=True):
        try:
            move(round_=Round(pk=round_id), now=now)
        except IllegalTransition:
            continue
        except DomainError as exc:
            if skipped is None:
                raise
            log.warning("monthly round %s not moved by %s: %s", round_id, move.__name__, exc.code)
            skipped.append(round_id)
        else:
            moved.append(round_id)


@shared_task(name="monthly.tasks.publish_round_tally")
def publish_round_tally(round_id: int) -> bool:
    """The trailing live-tally update a second after a publish (see services)."""
    from .live import publish_tally_if_due

    return publish_tally_if_due(round_id)

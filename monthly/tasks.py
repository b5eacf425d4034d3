"""Periodic and deferred work of 每月一事."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
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
    for round_id in due_to_open.order_by("pk").values_list("pk", flat=True):
        try:
            services.round_open_voting(round_=Round(pk=round_id), now=now)
            done["opened"].append(round_id)
        except IllegalTransition:  # another run opened it
            continue
        except DomainError as exc:  # e.g. no candidates yet: staff must add some
            log.warning("monthly round %s not opened: %s", round_id, exc.code)
            done["skipped"].append(round_id)

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
    for round_id in due_to_close.order_by("pk").values_list("pk", flat=True):
        try:
            services.round_close(round_=Round(pk=round_id), now=now)
            done["closed"].append(round_id)
        except IllegalTransition:  # another run closed it
            continue
    if any(done.values()):
        log.info("monthly phases at %s: %s", now.isoformat(), done)
    return done


@shared_task(name="monthly.tasks.publish_round_tally")
def publish_round_tally(round_id: int) -> bool:
    """The trailing live-tally update a second after a publish (see services)."""
    from .live import publish_tally_if_due

    return publish_tally_if_due(round_id)

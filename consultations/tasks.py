"""Celery tasks of consultations. The periodic one is scheduled under this exact name in
backend/settings/redis.py (CELERY_BEAT_SCHEDULE). `now` (a datetime or ISO string) lets tests
move the clock."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import services


def _when(now: datetime | str | None) -> datetime:
    if isinstance(now, str):
        parsed = parse_datetime(now)
        if parsed is None:
            raise ValueError(f"not an ISO datetime: {now!r}")
        return parsed
    return now or timezone.now()


@shared_task(name="consultations.tasks.enforce_deadlines")
def enforce_deadlines(now: datetime | str | None = None) -> dict[str, int]:
    return services.deadlines_enforce(now=_when(now))

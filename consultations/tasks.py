"""Celery tasks of consultations. The periodic one is scheduled under this exact name in
backend/settings/redis.py (CELERY_BEAT_SCHEDULE). `now` (a datetime or ISO string) lets tests
move the clock."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import services


@shared_task(name="consultations.tasks.enforce_deadlines")
def enforce_deadlines(now: datetime | str | None = None) -> dict[str, int]:
    """Quick topics' decision deadline, deep topics' meeting deadline, and the windows after."""
    return services.deadlines_enforce(now=parse_datetime(now) if isinstance(now, str) else now)

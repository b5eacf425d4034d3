"""Celery tasks of consultations. The periodic one is scheduled under this exact name in
backend/settings/redis.py (CELERY_BEAT_SCHEDULE). `now` (a datetime or ISO string) lets tests
move the clock."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import services
from .discussion.services import recheck_held_posts


@shared_task(name="consultations.tasks.enforce_deadlines")
def enforce_deadlines(now: datetime | str | None = None) -> dict[str, int]:
    """Quick topics' decision deadline, deep topics' meeting deadline, and the windows after."""
    return services.deadlines_enforce(now=parse_datetime(now) if isinstance(now, str) else now)


@shared_task(name="consultations.tasks.recheck_held_texts")
def recheck_held_texts(now: datetime | str | None = None) -> dict[str, int]:
    """Posts held because WeChat was unreachable, checked again now that it may answer."""
    return recheck_held_posts(now=parse_datetime(now) if isinstance(now, str) else now)

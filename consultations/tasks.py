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
    """Posts, topics and objections held because WeChat was unreachable, checked again now
    that it may answer: the counts of both kinds, added up."""
    now = parse_datetime(now) if isinstance(now, str) else now
    posts = recheck_held_posts(now=now)
    if posts.get("still_unreachable"):
        return posts  # WeChat still down: one call per run, not one per kind
    others = services.recheck_held_topics(now=now)
    return {key: posts.get(key, 0) + others.get(key, 0) for key in posts.keys() | others.keys()}

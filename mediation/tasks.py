"""Periodic work of the mediation app (scheduled in backend/settings/redis.py)."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from . import services


@shared_task(name="mediation.tasks.flag_overdue_cases")
def flag_overdue_cases(now: datetime | None = None) -> int:
    """Flag cases past their deadline and notify their team lead and the street's staff."""
    return services.cases_flag_overdue(now=now)


@shared_task(name="mediation.tasks.remind_upcoming_sessions")
def remind_upcoming_sessions(now: datetime | None = None) -> int:
    """Remind the mediators of sessions starting soon (once per session)."""
    return services.sessions_remind_upcoming(now=now)

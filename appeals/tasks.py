"""Celery tasks of appeals. The two periodic ones are scheduled under these exact names in
backend/settings/redis.py (CELERY_BEAT_SCHEDULE). `now` (a datetime or ISO string) lets tests
move the clock."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import deadlines, hotline


def _when(now: datetime | str | None) -> datetime:
    if isinstance(now, str):
        parsed = parse_datetime(now)
        if parsed is None:
            raise ValueError(f"not an ISO datetime: {now!r}")
        return parsed
    return now or timezone.now()


@shared_task(name="appeals.tasks.enforce_deadlines")
def enforce_deadlines(now: datetime | str | None = None) -> dict[str, int]:
    return deadlines.deadlines_enforce(now=_when(now))


@shared_task(name="appeals.tasks.send_hotline_sync")
def send_hotline_sync(order_id: str, now: datetime | str | None = None) -> int:
    return hotline.send_pending(order_id, now=_when(now) if now else None)


@shared_task(name="appeals.tasks.sweep_hotline_sync")
def sweep_hotline_sync(now: datetime | str | None = None) -> int:
    """Re-send what has not landed yet (the broker may have lost the first try, or the
    platform was down): one task per work order whose next attempt is due."""
    when = _when(now)
    orders = hotline.orders_due(now=when)
    for order_id in orders:
        send_hotline_sync.delay(order_id, when.isoformat() if now else None)
    return len(orders)

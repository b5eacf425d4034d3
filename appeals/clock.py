"""The clock of an appeal: hours to accept, working days to resolve, per category and level
(settings.APPEAL_DEADLINES). Working days skip Saturdays and Sundays in the district's zone.

Statutory holidays and their make-up working days are not modelled (the State Council
publishes them each December); a district that needs them can swap `is_working_day`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings


@dataclass(frozen=True)
class Limits:
    accept_hours: int
    resolve_days: int


def limits_for(category: str, level: str) -> Limits:
    table = settings.APPEAL_DEADLINES
    merged: dict = {}
    for layer in (table.get("default", {}), table.get(category, {})):
        merged.update({k: v for k, v in layer.items() if not isinstance(v, dict)})
        merged.update(layer.get(level, {}))
    return Limits(accept_hours=int(merged["accept_hours"]), resolve_days=int(merged["resolve_days"]))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def add_working_days(start: datetime, days: int) -> datetime:
    """The same local time of day `days` working days later (a weekend start counts from Monday)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    local = start.astimezone(zone)
    day, left = local.date(), days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone)


def due_dates(*, category: str, level: str, start: datetime) -> tuple[datetime, datetime]:
    """(accept_due_at, due_at) for an appeal arriving at a unit of `level` at `start`."""
    limits = limits_for(category, level)
    return start + timedelta(hours=limits.accept_hours), add_working_days(start, limits.resolve_days)

"""A reporting period: whole local days `start`..`end` (both included), as the dashboard and the
open-data export read them, with the aware datetimes every query filters on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from django.db import connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Func, Value
from django.db.models.functions import TruncDate
from django.utils import timezone


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @cached_property
    def since(self) -> datetime:
        """The first instant of `start` (local time)."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @cached_property
    def until(self) -> datetime:
        """The first instant after `end`: filters read `since <= t < until`."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def key(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def local_day(self, field: str) -> Func:
        """The local day of the datetime `field`. When the zone keeps one UTC offset through the
        period (Asia/Shanghai always does) that is UTC plus the offset, which PostgreSQL computes
        in well under half the time of a zone conversion per row; else the zone's own rules."""
        offsets = {timezone.make_aware(datetime.combine(d, time.min)).utcoffset() for d in self.days}
        if len(offsets) != 1:
            return TruncDate(field, tzinfo=timezone.get_current_timezone())
        (offset,) = offsets
        shifted = ExpressionWrapper(F(field) + Value(offset), output_field=DateTimeField())
        return TruncDate(shifted, tzinfo=UTC)


def rate(part: int, whole: int) -> float | None:
    """part ÷ whole to 4 places; None (JSON null) when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


@contextmanager
def reporting_queries() -> Iterator[None]:
    """A transaction for a few large aggregates over a period: on PostgreSQL without JIT (its
    compile time, seconds under load, dwarfs these queries' run time) and with room to sort
    in memory. SET LOCAL: the pooled connection gets its settings back at the end."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '64MB'")
        yield

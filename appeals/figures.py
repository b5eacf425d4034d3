"""The dashboard's appeal figures (API.md "Dashboard"), for a subtree and a period, and for each
child unit, in a fixed number of grouped queries whatever the number of children.

An appeal belongs to the subtree of the unit it is about (`grid_path`). Cohorts:
- received: created in the period; `by_source`, `by_category`, `escalated_rate` (escalated at
  least once ÷ received), `median_accept_hours` (submission to acceptance by the unit handling
  it now, over the received ones accepted), `repeat_rate`'s numerator;
- closed (办结): resolved in the period and still resolved or closed (a reopened appeal counts
  again when resolved again); `closed_in_grid_rate` (never left the grid level ÷ closed),
  `median_close_hours` (submission to resolution), `rated_rate` (rated ÷ closed) and
  `satisfaction_rate` (rated 4–5 ÷ rated), `repeat_rate`'s denominator;
- due: `due_at` in the period and already past, not rejected; `on_time_rate` = resolved by
  `due_at` ÷ due;
- `overdue_open`: open and overdue now (a snapshot, whatever the period);
- `repeat_rate` = received appeals of the same unit and category as one resolved within the
  30 days before ÷ closed.
Rates are null when their denominator is 0; medians null when there is nothing to take one of.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from backend.opendata import OpenTable
from backend.periods import Period, rate
from grids.figures import EpochHours, Median, child_key, children_of, fold, grid_level_code
from grids.models import GridUnit
from grids.roles import STAFF_ROLES
from grids.scope import ensure_in_reach

from .models import OPEN_STATUSES, Appeal, AppealStatus, Category, Source

REPEAT_WINDOW = timedelta(days=30)
FINISHED = [AppealStatus.RESOLVED, AppealStatus.CLOSED]


def _aggregates(period: Period) -> dict[str, Any]:
    now = timezone.now()
    received = Q(created_at__gte=period.since, created_at__lt=period.until)
    closed = Q(resolved_at__gte=period.since, resolved_at__lt=period.until, status__in=FINISHED)
    due = Q(due_at__gte=period.since, due_at__lt=min(period.until, now)) & ~Q(status=AppealStatus.REJECTED)
    earlier = Appeal.objects.filter(
        grid_path=OuterRef("grid_path"),
        category=OuterRef("category"),
        resolved_at__gte=OuterRef("created_at") - REPEAT_WINDOW,
        resolved_at__lt=OuterRef("created_at"),
    ).exclude(pk=OuterRef("pk"))
    return {
        "received": Count("pk", filter=received),
        **{f"source_{s}": Count("pk", filter=received & Q(source=s)) for s in Source.values},
        **{f"category_{c}": Count("pk", filter=received & Q(category=c)) for c in Category.values},
        "escalated": Count("pk", filter=received & Q(escalations__gt=0)),
        "repeat": Count("pk", filter=received & Q(Exists(earlier))),
        "closed": Count("pk", filter=closed),
        "in_grid": Count("pk", filter=closed & Q(left_grid=False)),
        "rated": Count("pk", filter=closed & Q(score__isnull=False)),
        "satisfied": Count("pk", filter=closed & Q(score__gte=4)),
        "due": Count("pk", filter=due),
        "on_time": Count("pk", filter=due & Q(status__in=FINISHED, resolved_at__lte=F("due_at"))),
        "overdue_open": Count("pk", filter=Q(status__in=OPEN_STATUSES, is_overdue=True)),
        "accept_hours": Median(
            EpochHours(F("accepted_at"), F("created_at")), filter=received & Q(accepted_at__isnull=False)
        ),
        "close_hours": Median(EpochHours(F("resolved_at"), F("created_at")), filter=closed),
    }


def _shape(row: dict[str, Any]) -> dict[str, Any]:
    received, closed, rated = row["received"], row["closed"], row["rated"]
    hours = {k: None if row[k] is None else round(row[k], 2) for k in ("accept_hours", "close_hours")}
    return {
        "received": received,
        "by_source": {s: row[f"source_{s}"] for s in Source.values},
        "by_category": {c: row[f"category_{c}"] for c in Category.values},
        "closed": closed,
        "closed_in_grid_rate": rate(row["in_grid"], closed),
        "escalated_rate": rate(row["escalated"], received),
        "on_time_rate": rate(row["on_time"], row["due"]),
        "overdue_open": row["overdue_open"],
        "median_accept_hours": hours["accept_hours"],
        "median_close_hours": hours["close_hours"],
        "satisfaction_rate": rate(row["satisfied"], rated),
        "rated_rate": rate(rated, closed),
        "repeat_rate": rate(row["repeat"], closed),
    }


MEDIANS = ("accept_hours", "close_hours")


def figures(*, user: Any, unit: GridUnit, period: Period) -> dict[str, Any]:
    """{"total": figures, "children": {child code: figures}, "series": {...}} (module doc).
    Staff of the subtree only (404 otherwise). Four queries: every count and median per child,
    the subtree's medians (counts add up, medians do not), and the two daily series."""
    ensure_in_reach(user, unit, STAFF_ROLES, hide=True)
    now = timezone.now()
    rows = Appeal.objects.filter(grid_path__startswith=unit.path).filter(
        Q(created_at__gte=period.since, created_at__lt=period.until)
        | Q(resolved_at__gte=period.since, resolved_at__lt=period.until)
        | Q(due_at__gte=period.since, due_at__lt=min(period.until, now))
        | Q(status__in=OPEN_STATUSES, is_overdue=True)
    )
    aggregates = _aggregates(period)
    grouped = list(rows.values(child=child_key("grid_path", unit)).annotate(**aggregates).order_by())
    counts = [k for k in aggregates if k not in MEDIANS]
    total = fold(grouped, counts)["*"]
    total.update(rows.aggregate(**{k: aggregates[k] for k in MEDIANS}))
    per_child = {row["child"]: _shape(row) for row in grouped}
    blank = _shape({**dict.fromkeys(counts, 0), **dict.fromkeys(MEDIANS)})
    tz = timezone.get_current_timezone()
    return {
        "total": _shape(total),
        "children": {c.code: per_child.get(c.code, blank) for c in children_of(unit)},
        "series": {
            "appeals_received_by_day": _by_day(
                rows.filter(created_at__gte=period.since, created_at__lt=period.until), "created_at", period, tz
            ),
            "appeals_closed_by_day": _by_day(
                rows.filter(resolved_at__gte=period.since, resolved_at__lt=period.until, status__in=FINISHED),
                "resolved_at",
                period,
                tz,
            ),
        },
    }


def _by_day(rows: Any, field: str, period: Period, tz: Any) -> list[dict[str, Any]]:
    grouped = rows.annotate(day=TruncDate(field, tzinfo=tz)).values("day").annotate(n=Count("pk")).order_by()
    counts = {row["day"]: row["n"] for row in grouped}
    return [{"date": d.isoformat(), "count": counts.get(d, 0)} for d in period.days]


def open_table(*, user: Any, unit: GridUnit, period: Period) -> OpenTable:
    """Appeals received in the period, counted per day, grid, category and source."""
    ensure_in_reach(user, unit, STAFF_ROLES, hide=True)
    closed = Q(status__in=FINISHED, resolved_at__isnull=False)
    rows = (
        Appeal.objects.filter(
            grid_path__startswith=unit.path, created_at__gte=period.since, created_at__lt=period.until
        )
        .values(
            "category",
            "source",
            date=TruncDate("created_at", tzinfo=timezone.get_current_timezone()),
            grid_code=grid_level_code(),
        )
        .annotate(
            received=Count("pk"),
            escalated=Count("pk", filter=Q(escalations__gt=0)),
            left_grid=Count("pk", filter=Q(left_grid=True)),
            resolved=Count("pk", filter=closed),
            resolved_on_time=Count("pk", filter=closed & Q(resolved_at__lte=F("due_at"))),
            rated=Count("pk", filter=Q(score__isnull=False)),
            satisfied=Count("pk", filter=Q(score__gte=4)),
        )
        .order_by("date", "grid_code", "category", "source")
    )
    return OpenTable(
        name="appeals",
        title="诉求 (residents' requests)",
        description="Appeals received in the period, counted per day of submission, grid, category and source.",
        columns=[
            ("date", "day of submission (Asia/Shanghai), YYYY-MM-DD"),
            ("grid_code", "code of the level-3 grid (or the unit above it) the appeal is about"),
            ("category", f"one of {', '.join(Category.values)}"),
            ("source", f"one of {', '.join(Source.values)}"),
            ("received", "appeals submitted"),
            ("escalated", "of them, escalated at least once"),
            ("left_grid", "of them, handled above the grid level at some point"),
            ("resolved", "of them, resolved (办结) by now"),
            ("resolved_on_time", "of them, resolved by their deadline"),
            ("rated", "of them, rated by the resident"),
            ("satisfied", "of them, rated 4 or 5 out of 5"),
        ],
        rows=rows,
        counts=frozenset({"received", "escalated", "left_grid", "resolved", "resolved_on_time", "rated", "satisfied"}),
    )

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
  30 days before ÷ closed (`is_repeat`, stored at submission: `repeat_test()` below).
Rates are null when their denominator is 0; medians null when there is nothing to take one of.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, Q
from django.utils import timezone

from backend.opendata import OpenTable
from backend.periods import Period, rate
from grids.figures import child_key, children_of, per_day_and_grid
from grids.models import GridUnit
from grids.roles import STAFF_ROLES
from grids.scope import ensure_in_reach

from .models import OPEN_STATUSES, Appeal, AppealStatus, Category, Source

REPEAT_WINDOW = timedelta(days=30)
FINISHED = [AppealStatus.RESOLVED, AppealStatus.CLOSED]


def repeat_test(appeal: Appeal) -> Exists:
    """Whether `appeal`, as it is submitted, repeats one of the same place and category resolved
    in the 30 days before. Intake stores it at the first save (`appeal.is_repeat =
    figures.repeat_test(appeal)`: evaluated inside the INSERT, which returns the column), so the
    dashboard counts a column instead of searching per row."""
    return Exists(
        Appeal.objects.filter(
            grid_path=appeal.grid_path,
            category=appeal.category,
            resolved_at__gte=appeal.created_at - REPEAT_WINDOW,
            resolved_at__lt=appeal.created_at,
        )
    )


def _counts(period: Period) -> dict[str, Any]:
    now = timezone.now()
    received = Q(created_at__gte=period.since, created_at__lt=period.until)
    closed = Q(resolved_at__gte=period.since, resolved_at__lt=period.until, status__in=FINISHED)
    due = Q(due_at__gte=period.since, due_at__lt=min(period.until, now)) & ~Q(status=AppealStatus.REJECTED)
    return {
        "received": Count("pk", filter=received),
        "escalated": Count("pk", filter=received & Q(escalations__gt=0)),
        "repeat": Count("pk", filter=received & Q(is_repeat=True)),
        "closed": Count("pk", filter=closed),
        "in_grid": Count("pk", filter=closed & Q(left_grid=False)),
        "rated": Count("pk", filter=closed & Q(score__isnull=False)),
        "satisfied": Count("pk", filter=closed & Q(score__gte=4)),
        "due": Count("pk", filter=due),
        "on_time": Count("pk", filter=due & Q(status__in=FINISHED, resolved_at__lte=F("due_at"))),
        "overdue_open": Count("pk", filter=Q(status__in=OPEN_STATUSES, is_overdue=True)),
    }


COUNTS = ("received", "escalated", "repeat", "closed", "in_grid", "rated", "satisfied", "due", "on_time",
          "overdue_open")  # fmt: skip
MEDIANS = ("accept_hours", "close_hours")


def _shape(row: dict[str, Any]) -> dict[str, Any]:
    received, closed, rated = row["received"], row["closed"], row["rated"]
    hours = {k: None if row.get(k) is None else round(row[k], 2) for k in MEDIANS}
    return {
        "received": received,
        "by_source": {s: row.get(f"source_{s}", 0) for s in Source.values},
        "by_category": {c: row.get(f"category_{c}", 0) for c in Category.values},
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


def figures(*, user: Any, unit: GridUnit, period: Period) -> dict[str, Any]:
    """{"total": figures, "children": {child code: figures}, "series": {...}} (module doc).
    Staff of the subtree only (404 otherwise). Three scans of the subtree's rows, whatever the
    number of children: the counts per child, category and source (a hash aggregate: they add
    up), the medians per child and of the whole subtree (one sorted pass), the two daily series."""
    ensure_in_reach(user, unit, STAFF_ROLES, hide=True)
    now = timezone.now()
    rows = Appeal.objects.filter(grid_path__startswith=unit.path).filter(
        Q(created_at__gte=period.since, created_at__lt=period.until)
        | Q(resolved_at__gte=period.since, resolved_at__lt=period.until)
        | Q(due_at__gte=period.since, due_at__lt=min(period.until, now))
        | Q(status__in=OPEN_STATUSES, is_overdue=True)
    )
    per_child: dict[str, dict[str, Any]] = {}
    total = dict.fromkeys(COUNTS, 0)
    for row in (
        rows.values("category", "source", child=child_key("grid_path", unit)).annotate(**_counts(period)).order_by()
    ):
        into = per_child.setdefault(row["child"], dict.fromkeys(COUNTS, 0))
        for block in (into, total):
            for k in COUNTS:
                block[k] += row[k]
            for k in (f"source_{row['source']}", f"category_{row['category']}"):
                block[k] = block.get(k, 0) + row["received"]
    medians = _medians(unit, period)
    total.update(medians.pop(None, {}))
    for code, hours in medians.items():
        per_child.setdefault(code, dict.fromkeys(COUNTS, 0)).update(hours)
    blank = _shape(dict.fromkeys(COUNTS, 0))
    return {
        "total": _shape(total),
        "children": {c.code: _shape(per_child[c.code]) if c.code in per_child else blank for c in children_of(unit)},
        "series": _series(rows, period),
    }


def _medians(unit: GridUnit, period: Period) -> dict[str | None, dict[str, float | None]]:
    """{child code: {"accept_hours", "close_hours"}} and under None the whole subtree's, in one
    sorted pass (GROUPING SETS: medians do not add up, so the total is its own group). Only
    PostgreSQL has ordered-set aggregates: elsewhere (the SQLite demo) there are none."""
    if connection.vendor != "postgresql":
        return {}
    key = f"split_part(grid_path, '/', {unit.path.count('/') + 1:d})"
    received = "created_at >= %(since)s AND created_at < %(until)s AND accepted_at IS NOT NULL"
    closed = "resolved_at >= %(since)s AND resolved_at < %(until)s AND status IN ('resolved', 'closed')"
    sql = f"""
        SELECT {key}, GROUPING({key}),
            percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM accepted_at - created_at) / 3600.0)
                FILTER (WHERE {received}),
            percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM resolved_at - created_at) / 3600.0)
                FILTER (WHERE {closed})
        FROM {Appeal._meta.db_table}
        WHERE grid_path LIKE %(prefix)s AND (({received}) OR ({closed}))
        GROUP BY GROUPING SETS (({key}), ())
    """
    prefix = unit.path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    params = {"since": period.since, "until": period.until, "prefix": prefix}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {None if whole else code: dict(zip(MEDIANS, hours, strict=True)) for code, whole, *hours in cursor}


def _series(rows: Any, period: Period) -> dict[str, list[dict[str, Any]]]:
    """Appeals received and closed per day, from one grouping by (day received, day resolved)."""
    received = Q(created_at__gte=period.since, created_at__lt=period.until)
    closed = Q(resolved_at__gte=period.since, resolved_at__lt=period.until, status__in=FINISHED)
    by_day: dict[str, dict[Any, int]] = {"received": {}, "closed": {}}
    for row in (
        rows.filter(received | closed)
        .values(made=period.local_day("created_at"), done=period.local_day("resolved_at"))
        .annotate(received=Count("pk", filter=received), closed=Count("pk", filter=closed))
        .order_by()
    ):
        for kind, day in (("received", row["made"]), ("closed", row["done"])):
            if row[kind]:
                by_day[kind][day] = by_day[kind].get(day, 0) + row[kind]
    return {
        f"appeals_{kind}_by_day": [{"date": d.isoformat(), "count": by_day[kind].get(d, 0)} for d in period.days]
        for kind in ("received", "closed")
    }


def open_table(*, user: Any, unit: GridUnit, period: Period) -> OpenTable:
    """Appeals received in the period, counted per day, grid, category and source."""
    ensure_in_reach(user, unit, STAFF_ROLES, hide=True)
    closed = Q(status__in=FINISHED, resolved_at__isnull=False)
    rows = per_day_and_grid(Appeal.objects.all(), unit, period, "category", "source").annotate(
        received=Count("pk"),
        escalated=Count("pk", filter=Q(escalations__gt=0)),
        left_grid=Count("pk", filter=Q(left_grid=True)),
        resolved=Count("pk", filter=closed),
        resolved_on_time=Count("pk", filter=closed & Q(resolved_at__lte=F("due_at"))),
        rated=Count("pk", filter=Q(score__isnull=False)),
        satisfied=Count("pk", filter=Q(score__gte=4)),
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

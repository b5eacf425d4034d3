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

import math
import operator
from datetime import date, timedelta
from functools import reduce
from typing import Any

from django.db import connection
from django.db.models import Case, Count, Exists, F, Q, Value, When
from django.db.models.functions import Floor, Greatest, Least
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


def _cohorts(period: Period) -> dict[str, tuple[Q, dict[str, Q]]]:
    """The conditions behind every count (module doc): per cohort, its own and those of the
    counts within it ({cohort: (condition, {count: further condition})})."""
    now = timezone.now()
    return {
        "received": (
            Q(created_at__gte=period.since, created_at__lt=period.until),
            {"escalated": Q(escalations__gt=0), "repeat": Q(is_repeat=True)},
        ),
        "closed": (
            Q(resolved_at__gte=period.since, resolved_at__lt=period.until, status__in=FINISHED),
            {"in_grid": Q(left_grid=False), "rated": Q(score__isnull=False), "satisfied": Q(score__gte=4)},
        ),
        "due": (
            Q(due_at__gte=period.since, due_at__lt=min(period.until, now)) & ~Q(status=AppealStatus.REJECTED),
            {"on_time": Q(status__in=FINISHED, resolved_at__lte=F("due_at"))},
        ),
        "overdue_open": (Q(status__in=OPEN_STATUSES, is_overdue=True), {}),
    }


COUNTS = ("received", "escalated", "repeat", "closed", "in_grid", "rated", "satisfied", "due", "on_time",
          "overdue_open")  # fmt: skip
MEDIANS = ("accept_hours", "close_hours")
# The stored duration (Appeal.hours_to_*) each median takes, over which cohort.
DURATIONS = {"accept_hours": ("hours_to_accept", "received"), "close_hours": ("hours_to_resolve", "closed")}
# Medians take no sort of every value (percentile_cont sorted ~200,000 per median and group: most
# of a second for the district over a year). The one scan below also counts the durations per
# child and whole hour (counts add up, so the subtree's histogram is the children's sum); from
# those counts the middle ranks of each group and the hour buckets holding them; a second, small
# query reads only the durations in those buckets (an index range each). The value is then the
# one percentile_cont(0.5) gives, to the last bit.
BUCKET_CAP = 2000  # hours: longer durations share the last bucket (still exact, only slower)


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
    Staff of the subtree only (404 otherwise). One scan of the subtree's rows, whatever the number
    of children, grouped several ways at once: per child, category, source and the row's flags
    (the counts: they add up), per local day received and per day closed (the series), per child
    and hour of each duration (the medians' histograms); then one small read for the medians."""
    ensure_in_reach(user, unit, STAFF_ROLES, hide=True)
    scan = _scan(unit, period)
    per_child: dict[str, dict[str, Any]] = {}
    total = dict.fromkeys(COUNTS, 0)
    for code, flags, category, source, n in scan["counts"]:
        into = per_child.setdefault(code, dict.fromkeys(COUNTS, 0))
        for block in (into, total):
            for i, k in enumerate(COUNTS):
                if flags >> i & 1:
                    block[k] += n
            if flags & 1:  # received
                for k in (f"source_{source}", f"category_{category}"):
                    block[k] = block.get(k, 0) + n
    medians = _medians(unit, period, scan["histograms"])
    total.update(medians.pop(None, {}))
    for code, hours in medians.items():
        per_child.setdefault(code, dict.fromkeys(COUNTS, 0)).update(hours)
    blank = _shape(dict.fromkeys(COUNTS, 0))
    return {
        "total": _shape(total),
        "children": {c.code: _shape(per_child[c.code]) if c.code in per_child else blank for c in children_of(unit)},
        "series": {
            f"appeals_{kind}_by_day": [{"date": d.isoformat(), "count": scan[kind].get(d, 0)} for d in period.days]
            for kind in ("received", "closed")
        },
    }


def _scan(unit: GridUnit, period: Period) -> dict[str, Any]:
    """The one pass over the subtree's rows (figures' doc): {"counts": [(child, flags: a bitmask
    over COUNTS, category, source, n)], "received"/"closed": {local day: n}, "histograms":
    {median: {child: {hour: n}}}}. The per-row values come from the ORM, each
    condition evaluated once per row; the groupings are GROUPING SETS on PostgreSQL and the same
    groupings one after the other elsewhere (the SQLite demo, which has no medians)."""
    cohorts = _cohorts(period)
    bit = {k: 1 << i for i, k in enumerate(COUNTS)}
    postgres = connection.vendor == "postgresql"
    per_row: dict[str, Any] = {
        "child": child_key("grid_path", unit),
        "made": period.local_day("created_at"),
        "done": period.local_day("resolved_at"),
        # Bit i: the row counts in COUNTS[i]; a cohort's further counts are tested only within it.
        "flags": reduce(
            operator.add,
            (
                Case(When(q, then=reduce(operator.add, (
                    Case(When(extra, then=Value(bit[k])), default=Value(0)) for k, extra in more.items()
                ), Value(bit[cohort]))), default=Value(0))
                for cohort, (q, more) in cohorts.items()
            ),
        ),
    }  # fmt: skip
    if postgres:
        for m, (column, _) in DURATIONS.items():
            hour = Least(Greatest(Floor(column), Value(-1.0)), Value(float(BUCKET_CAP)))
            per_row[f"{m}_bucket"] = Case(When(**{f"{column}__isnull": False}, then=hour))
    # A cheap superset of the four cohorts: a row in none of them has no flag and counts nowhere.
    rows = Appeal.objects.filter(grid_path__startswith=unit.path).filter(
        Q(created_at__gte=period.since) | Q(resolved_at__gte=period.since) | Q(due_at__gte=period.since)
        | Q(is_overdue=True)
    )  # fmt: skip
    inner, params = rows.values("category", "source", **per_row).query.sql_with_params()

    def col(name: str) -> str:
        return f'r."{name}"'

    def has(cohort: str) -> str:
        return f'(r."flags" & {bit[cohort]})'

    cohort_bits = [has("received"), has("closed")]
    # Each set groups by one column no other set does (its tag, first): GROUPING() of the tags
    # tells a row's set. A set testing cohort bits keeps only the rows in one of them (HAVING).
    sets = {
        "counts": [col("flags"), col("child"), col("category"), col("source")],
        "days": [col("made"), col("done"), *cohort_bits],
        **({m: [col(f"{m}_bucket"), col("child"), has(DURATIONS[m][1])] for m in MEDIANS} if postgres else {}),
    }
    columns = list(dict.fromkeys(c for cols in sets.values() for c in cols))
    tags = [cols[0] for cols in sets.values()]
    tag_of = {name: sum(1 << (len(tags) - 1 - i) for i, t in enumerate(tags) if t not in cols)
              for name, cols in sets.items()}  # fmt: skip
    keep = {name: " OR ".join(f"{b} <> 0" for b in cohort_bits if b in cols) or "TRUE" for name, cols in sets.items()}
    if postgres:
        grouping = ", ".join(f"({', '.join(cols)})" for cols in sets.values())
        having = " ".join(f"WHEN {tag_of[name]} THEN {keep[name]}" for name in sets)
        # OFFSET 0 keeps the inner query a query of its own: pulled up, its flags expression would
        # be evaluated again for every grouping key that tests a bit of it, and the planner would
        # overestimate the groups and sort 200,000 rows for one set (work_mem 64 MB: all hashed,
        # ~6 MB).
        sql = (f"SELECT GROUPING({', '.join(tags)}), {', '.join(columns)}, COUNT(*) FROM ({inner} OFFSET 0) r"
               f" GROUP BY GROUPING SETS ({grouping}) HAVING CASE GROUPING({', '.join(tags)}) {having} END")  # fmt: skip
    else:
        parts = []
        for name, cols in sets.items():
            picked = ", ".join(c if c in cols else "NULL" for c in columns)
            parts.append(f"SELECT {tag_of[name]}, {picked}, COUNT(*) FROM ({inner}) r GROUP BY {', '.join(cols)}"
                         f" HAVING {keep[name]}")  # fmt: skip
        sql, params = " UNION ALL ".join(parts), params * len(parts)
    out: dict[str, Any] = {"counts": [], "received": {}, "closed": {}, "histograms": {m: {} for m in MEDIANS}}
    name_of = {tag: name for name, tag in tag_of.items()}
    at = {c: i for i, c in enumerate(columns)}
    child, flags, category, source = (at[col(c)] for c in ("child", "flags", "category", "source"))
    days = {"received": (at[col("made")], at[has("received")]), "closed": (at[col("done")], at[has("closed")])}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for tag, *values, n in cursor:
            name = name_of[tag]
            if name == "counts":
                out["counts"].append((values[child], values[flags], values[category], values[source], n))
            elif name == "days":
                for kind, (day, bit_at) in days.items():
                    if values[bit_at]:
                        on = _as_date(values[day])
                        out[kind][on] = out[kind].get(on, 0) + n
            elif (bucket := values[at[col(f"{name}_bucket")]]) is not None:
                out["histograms"][name].setdefault(values[child], {})[bucket] = n
    return out


def _as_date(value: Any) -> date:
    """A day as the backend gives it (SQLite: an ISO string)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _medians(
    unit: GridUnit, period: Period, histograms: dict[str, dict[str, dict[float, int]]]
) -> dict[str | None, dict[str, float | None]]:
    """{child code: {"accept_hours", "close_hours"}} and under None the whole subtree's, from the
    histograms of the scan and one read of the durations in the buckets holding the middle ranks
    (the comment on BUCKET_CAP). Nothing to read: no query."""
    wanted: dict[str, dict[str | None, list[tuple[float, int]]]] = {}
    for m, per_child in histograms.items():
        whole: dict[float, int] = {}
        for counts in per_child.values():
            for b, n in counts.items():
                whole[b] = whole.get(b, 0) + n
        groups: dict[str | None, dict[float, int]] = {**per_child, None: whole} if whole else {}
        wanted[m] = {g: _middle(counts) for g, counts in groups.items()}
    buckets = {m: sorted({b for ranks in wanted[m].values() for b, _ in ranks}) for m in MEDIANS}
    if not any(buckets.values()):
        return {}
    values: dict[str, dict[str | None, dict[float, list[float]]]] = {m: {} for m in MEDIANS}
    for m, code, bucket, hours in _durations(unit, period, buckets):
        for group in (code, None):
            values[m].setdefault(group, {}).setdefault(bucket, []).append(hours)
    out: dict[str | None, dict[str, float | None]] = {}
    for m in MEDIANS:
        for group, ranks in wanted[m].items():
            first, second = (sorted(values[m][group][b])[r] for b, r in ranks)
            # percentile_cont's interpolation (float8_lerp): the same double to the last bit.
            out.setdefault(group, dict.fromkeys(MEDIANS))[m] = first + 0.5 * (second - first)
    return out


def _middle(counts: dict[float, int]) -> list[tuple[float, int]]:
    """Where the middle of a histogram {hour bucket: n} lies, as [(bucket, rank within it)] for the
    0-based ranks (n-1)//2 and n//2 (the same one twice when n is odd)."""
    n = sum(counts.values())
    ranks = [(n - 1) // 2, n // 2]
    out, below = [], 0
    for b in sorted(counts):
        while ranks and ranks[0] < below + counts[b]:
            out.append((b, ranks.pop(0) - below))
        below += counts[b]
    return out


def _durations(unit: GridUnit, period: Period, buckets: dict[str, list[float]]) -> list[tuple[str, str, float, float]]:
    """(median, child code, bucket, hours) of every duration of the cohorts in the given hour
    buckets, in one query: per median one range of its index (appeal_hours_to_accept/_resolve),
    from the lowest bucket wanted to the highest; the buckets in between not wanted are dropped."""
    cohorts, parts = _cohorts(period), []
    for m, (column, cohort) in DURATIONS.items():
        if buckets[m]:
            low, high = buckets[m][0], buckets[m][-1]
            span = Q() if low <= -1 else Q(**{f"{column}__gte": low})
            span &= Q() if high >= BUCKET_CAP else Q(**{f"{column}__lt": high + 1})
            rows = Appeal.objects.filter(
                cohorts[cohort][0], span, grid_path__startswith=unit.path, **{f"{column}__isnull": False}
            )
            parts.append(rows.values_list(Value(m), child_key("grid_path", unit), column).order_by())
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    out = []
    for m, code, hours in query:
        bucket = float(min(max(math.floor(hours), -1), BUCKET_CAP))  # as the scan's SQL computes it
        if bucket in buckets[m]:
            out.append((m, code, bucket, hours))
    return out


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

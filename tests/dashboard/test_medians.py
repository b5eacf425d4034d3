"""The medians are PostgreSQL's percentile_cont(0.5) to the last bit, though they are found from
hour histograms and the durations of a few buckets (appeals.figures): random durations with
fractional seconds, the two middle values in different buckets, negative and very long ones."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import connection

from appeals import figures
from appeals.models import AppealStatus
from backend.periods import Period
from tests.dashboard.conftest import at, make_appeal

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def _percentile_cont(unit, period):
    """What the dashboard used to compute: {child code or None: (accept, close)}."""
    key = f"split_part(grid_path, '/', {unit.path.count('/') + 1:d})"
    received = "created_at >= %(since)s AND created_at < %(until)s AND accepted_at IS NOT NULL"
    closed = "resolved_at >= %(since)s AND resolved_at < %(until)s AND status IN ('resolved', 'closed')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT {key}, GROUPING({key}),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM accepted_at - created_at) / 3600.0)
                    FILTER (WHERE {received}),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM resolved_at - created_at) / 3600.0)
                    FILTER (WHERE {closed})
            FROM appeals_appeal WHERE grid_path LIKE %(prefix)s AND (({received}) OR ({closed}))
            GROUP BY GROUPING SETS (({key}), ())""",
            {"since": period.since, "until": period.until, "prefix": unit.path + "%"},
        )
        return {None if whole else code: tuple(hours) for code, whole, *hours in cursor}


def _ours(unit, period):
    found = figures._medians(unit, period, figures._scan(unit, period)["histograms"])
    return {code: (m["accept_hours"], m["close_hours"]) for code, m in found.items()}


def test_medians_equal_percentile_cont(tree):
    rng = random.Random(15)
    places = [tree.micro1, tree.micro2, tree.grid1, tree.community1, tree.micro21, tree.dedicated2]
    for i in range(120):
        created = at(11, 1) + timedelta(seconds=rng.randrange(29 * 86400), microseconds=rng.randrange(10**6))
        accept = timedelta(hours=rng.choice((rng.uniform(0, 3), rng.uniform(0, 50), 2500.0 + i)))
        if i % 17 == 0:
            accept = -timedelta(minutes=rng.uniform(1, 90))  # a clock that ran behind
        resolve = accept + timedelta(hours=rng.uniform(0, 400))
        status = rng.choice((AppealStatus.RESOLVED, AppealStatus.CLOSED, AppealStatus.ACCEPTED))
        make_appeal(rng.choice(places), created=created, accepted_at=created + accept, status=status,
                    resolved_at=created + resolve if status != AppealStatus.ACCEPTED else None)  # fmt: skip
    for unit in (tree.district, tree.street1, tree.community1, tree.grid1):
        for period in (NOVEMBER, Period(date(2026, 11, 10), date(2026, 11, 12))):
            ours, theirs = _ours(unit, period), _percentile_cont(unit, period)
            assert ours == theirs, (unit.path, period)


def test_the_two_middle_values_in_different_hours(tree):
    """Four closed: 1.5, 3.25, 7, 9 hours -> (3.25 + 7) / 2; the accepted ones 1 and 2 -> 1.5."""
    for hours, accepted in ((1.5, 1), (3.25, 2), (7, None), (9, None)):
        created = at(11, 5)
        make_appeal(tree.micro1, created=created, status=AppealStatus.RESOLVED,
                    accepted_at=created + timedelta(hours=accepted) if accepted else None,
                    resolved_at=created + timedelta(hours=hours))  # fmt: skip
    assert _ours(tree.district, NOVEMBER) == {None: (1.5, 5.125), tree.street1.code: (1.5, 5.125)}
    assert _ours(tree.district, NOVEMBER) == _percentile_cont(tree.district, NOVEMBER)


def test_nothing_to_take_a_median_of_reads_no_durations(tree, django_assert_num_queries):
    with django_assert_num_queries(1):  # the scan only
        assert _ours(tree.district, NOVEMBER) == {}

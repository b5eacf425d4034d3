"""Human-readable numbers: the day and that day's sequence, unique under concurrent submits."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from appeals.models import Appeal

from .factories import make_appeal, run_at_once


@pytest.mark.django_db
def test_numbers_count_per_local_day(tree):
    late = datetime(2026, 11, 25, 23, 59, tzinfo=ZoneInfo("Asia/Shanghai"))
    first = make_appeal(submitter=tree.resident1, now=late)
    second = make_appeal(submitter=tree.resident1, now=late)
    # 16:30 UTC on the 25th is 00:30 on the 26th in Shanghai: numbers follow the district's day.
    next_day = make_appeal(submitter=tree.resident1, now=datetime(2026, 11, 25, 16, 30, tzinfo=ZoneInfo("UTC")))
    assert (first.number, second.number) == ("SQ20261125-000001", "SQ20261125-000002")
    assert next_day.number == "SQ20261126-000001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_get_distinct_consecutive_numbers(tree):
    run_at_once(lambda: [make_appeal(submitter=tree.resident1) for _ in range(5)], threads=8)
    numbers = sorted(Appeal.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 40
    assert [int(re.search(r"-(\d+)$", n)[1]) for n in numbers] == list(range(1, 41))

"""GET /api/v1/dashboard: defaults, scope, bad input, the query count whatever the number of
children, and the cache (kept a minute, dropped when the subtree changes)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appeals import services as appeal_services
from backend.periods import Period
from dashboard import selectors
from grids.models import GridLevel, GridUnit

from .conftest import at, make_appeal, make_case, make_consultation

URL = "/api/v1/dashboard"


def test_defaults_are_the_top_unit_and_the_last_30_days(api, district):
    today = timezone.localdate()
    body = api.as_user(district.admin).get(URL).json()
    assert body["grid"] == district.district.pk and body["name"] == "中原区"
    assert body["period"] == {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}
    assert len(body["series"]["appeals_received_by_day"]) == 30
    street = api.as_user(district.staff1).get(URL).json()
    assert street["grid"] == district.street1.pk
    assert [c["grid"] for c in street["children"]] == [district.community1.pk]


def test_a_unit_and_period_over_http(api, district):
    response = api.as_user(district.staff1).get(URL, {"grid": district.street1.pk, "from": "2026-11-01",
                                                      "to": "2026-11-30"})  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    assert body["appeals"]["received"] == 5 and body["mediation"]["applied"] == 5
    (community,) = body["children"]
    assert community["grid"] == district.community1.pk and community["appeals"]["received"] == 5
    assert set(community) >= {"residents", "appeals", "mediation", "consultations", "monthly", "notifications"}


def test_only_from_gives_30_days_from_it(api, district):
    body = api.as_user(district.admin).get(URL, {"from": "2026-01-01"}).json()
    assert body["period"] == {"from": "2026-01-01", "to": "2026-01-30"}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"from": "2026-11-30", "to": "2026-11-01"}, "invalid_period"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "period_too_long"),
        ({"from": "2026-13-01"}, "invalid"),
        ({"to": "yesterday"}, "invalid"),
        ({"grid": "abc"}, "invalid"),
    ],
)
def test_bad_input(api, district, query, code):
    response = api.as_user(district.admin).get(URL, query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_a_year_is_allowed(api, district):
    assert api.as_user(district.admin).get(URL, {"from": "2025-12-01", "to": "2026-11-30"}).status_code == 200


@pytest.mark.parametrize(
    ("who", "grid"),
    [
        ("staff1", "district"),  # above their street
        ("staff1", "street2"),  # beside it
        ("resident1", "micro1"),  # residents: staff only
        ("worker1", "grid1"),  # grid workers are not staff
        ("staff1", None),  # a unit that does not exist
    ],
)
def test_out_of_reach_is_404(api, district, who, grid):
    unit_id = getattr(district, grid).pk if grid else 999999
    response = api.as_user(getattr(district, who)).get(URL, {"grid": unit_id})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_residents_without_a_unit_get_404_and_anonymous_401(api, district):
    assert api.as_user(district.resident1).get(URL).status_code == 404
    assert api.get(URL).status_code == 401


def _queries(user, unit, period) -> int:
    user.__dict__.pop("_reach_cache", None)
    with CaptureQueriesContext(connection) as ctx:
        selectors.build(user=user, unit=unit, period=period)
    return len(ctx.captured_queries)


def test_the_query_count_does_not_grow_with_the_children(district):
    period = Period(at(11, 1).date(), at(11, 30).date())
    before = _queries(district.admin, GridUnit.objects.get(pk=district.community1.pk), period)
    for i in range(6):
        grid = GridUnit.objects.create(parent=district.community1, level=GridLevel.GRID, code=f"x{i}", name=f"x{i}")
        micro = GridUnit.objects.create(parent=grid, level=GridLevel.MICRO, code=f"x{i}m", name=f"x{i}m")
        make_appeal(micro, created=at(11, 3 + i), resolved_at=at(11, 4 + i), score=4, status="closed")
        make_case(micro, created=at(11, 3 + i))
    community = GridUnit.objects.get(pk=district.community1.pk)
    after = _queries(district.admin, community, period)
    assert after == before
    assert len(selectors.build(user=district.admin, unit=community, period=period)["children"]) == 8


def test_cached_until_the_subtree_changes(district, django_capture_on_commit_callbacks):
    period = Period(at(11, 1).date(), at(11, 30).date())
    admin = district.admin
    first = json.loads(selectors.dashboard(user=admin, unit_id=district.street1.pk, period=period))
    with CaptureQueriesContext(connection) as ctx:
        again = json.loads(selectors.dashboard(user=admin, unit_id=district.street1.pk, period=period))
    assert again == first and len(ctx.captured_queries) == 0
    # A change in the other street leaves street 1's document alone ...
    with django_capture_on_commit_callbacks(execute=True):
        make_appeal(district.micro2, created=at(11, 5))
    with CaptureQueriesContext(connection) as ctx:
        selectors.dashboard(user=admin, unit_id=district.street1.pk, period=period)
    assert len(ctx.captured_queries) == 0
    assert (
        json.loads(selectors.dashboard(user=admin, unit_id=district.district.pk, period=period))["appeals"]["received"]
        == 6
    )
    # ... one in street 1 drops it (here an escalation through the service).
    with django_capture_on_commit_callbacks(execute=True):
        appeal_services.appeal_escalate(appeal=district.a3, actor=district.worker1, reason="需要社区协调")
    fresh = json.loads(selectors.dashboard(user=admin, unit_id=district.street1.pk, period=period))
    assert fresh["appeals"]["escalated_rate"] == 0.4  # a2 and now a3, of 5


def test_the_cache_expires_within_a_minute():
    assert selectors.CACHE_SECONDS <= 60


def test_a_new_topic_drops_the_cached_document(district, django_capture_on_commit_callbacks):
    period = Period(at(11, 1).date(), at(11, 30).date())
    before = json.loads(selectors.dashboard(user=district.admin, unit_id=district.street1.pk, period=period))
    with django_capture_on_commit_callbacks(execute=True):
        make_consultation(district.micro1, created=at(11, 6), author=district.resident1, events={})
    after = json.loads(selectors.dashboard(user=district.admin, unit_id=district.street1.pk, period=period))
    assert after["consultations"]["raised"] == before["consultations"]["raised"] + 1

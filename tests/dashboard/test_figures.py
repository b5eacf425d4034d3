"""Every figure of the dashboard, exactly, over the district of conftest.py, November 2026.

Appeals (received = created in November: a1 a2 a3 a4 a6; closed = resolved in November and
still resolved/closed: a1 a2 a4 a5):
- by_source: a2 came by the hotline; by_category: a1 a2 a6 environment, a3 facilities, a4 safety;
- closed_in_grid: a1 a5 (a2 was escalated, a4 was placed at the community) = 2/4;
- escalated: a2 = 1/5; due in November and past, not rejected: a1 (on time), a2 (late), a3
  (open) = 1/3; overdue_open: a3;
- accept hours: a1 2, a2 4, a4 6 -> 4; close hours: a1 24, a2 48, a4 24, a5 24 -> 24;
- rated among closed: a1 5, a2 3, a5 4 -> satisfied 2/3, rated 3/4;
- repeat: a2 (a1 resolved 7 days before), a6 (a1 and a2 resolved within 30 days) = 2/4;
- residents 4 (resident1, resident2, the pending claim, u3 counted at their verified home):
  5 received per 1000 residents = 1250.
Mediation: applied m1 m2 m3 m5 m6; concluded m1 m2 m3 m4, agreed m1 m2 -> 1/2; fulfilled m1 of
the two agreed -> 1/2; referred m3 (m4 failed without referral); overdue open m5.
Consultations: raised c1 c2 c3 (c4 in October); reached the threshold c1 c3 (c2 was taken up)
-> 2/3; resolved (published in November) c1 c2 c4, implemented since c1 (c4's work was done
before this publication) -> 1/3; meetings held: c1's (3 signed in) and c2's (2) -> 2.5 (c4's
November meeting had nobody, its October one is outside); evaluations in November 4 and 5 -> 4.5.
"""

from __future__ import annotations

from datetime import date

import pytest

from backend.periods import Period
from dashboard import selectors

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def doc(user, unit, period=NOVEMBER):
    return selectors.build(user=user, unit=unit, period=period)


def child(document, unit):
    (found,) = [c for c in document["children"] if c["grid"] == unit.pk]
    return found


def test_the_district(district):
    d = doc(district.admin, district.district)
    assert d["grid"] == district.district.pk and d["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    assert d["residents"] == {"total": 4, "verified": 3, "active_30d": 2}
    assert d["appeals"] == {
        "received": 5,
        "by_source": {"miniprogram": 4, "hotline": 1},
        "by_category": {
            "environment": 3,
            "facilities": 1,
            "neighbour": 0,
            "safety": 1,
            "property": 0,
            "utilities": 0,
            "policy": 0,
            "other": 0,
        },
        "closed": 4,
        "closed_in_grid_rate": 0.5,
        "escalated_rate": 0.2,
        "on_time_rate": 0.3333,
        "overdue_open": 1,
        "median_accept_hours": 4.0,
        "median_close_hours": 24.0,
        "satisfaction_rate": 0.6667,
        "rated_rate": 0.75,
        "repeat_rate": 0.5,
        "per_1000_residents": 1250.0,
    }
    assert d["mediation"] == {
        "applied": 5,
        "agreed_rate": 0.5,
        "fulfilled_rate": 0.5,
        "referred": 1,
        "overdue_open": 1,
    }
    assert d["monthly"] == {
        "current_round": {"id": district.round.pk, "month": "2026-11", "title": "r", "status": "counted"},
        "turnout_rate": 0.6667,  # frozen: 2 of 3
        "winner_progress": 60,
    }
    assert d["notifications"] == {"sent": 1, "dead": 1}
    assert d["consultations"] == {
        "raised": 3,
        "threshold_reached_rate": 0.6667,
        "resolved": 3,
        "implemented_rate": 0.3333,
        "mean_attendance": 2.5,
        "evaluation_score": 4.5,
    }


def test_each_street_of_the_district(district):
    d = doc(district.admin, district.district)
    assert [c["grid"] for c in d["children"]] == [district.street1.pk, district.street2.pk]
    s1, s2 = child(d, district.street1), child(d, district.street2)
    assert s1["appeals"]["received"] == 5 and s1["appeals"]["closed"] == 3
    assert s1["appeals"]["closed_in_grid_rate"] == 0.3333  # a1 of a1 a2 a4
    assert s1["appeals"]["median_close_hours"] == 24.0  # 24, 48, 24
    assert s1["residents"] == {"total": 3, "verified": 2, "active_30d": 2}
    assert s1["monthly"]["turnout_rate"] == 1.0  # resident1 and u3, both voted
    assert s1["notifications"] == {"sent": 1, "dead": 0}
    assert s1["mediation"] == {"applied": 5, "agreed_rate": 0.6667, "fulfilled_rate": 0.5, "referred": 1,
                               "overdue_open": 1}  # fmt: skip
    # S2: a5 closed (in grid, rated 4, 24 h), nothing received, nothing due.
    assert s2["appeals"] == {
        "received": 0,
        "by_source": {"miniprogram": 0, "hotline": 0},
        "by_category": dict.fromkeys(d["appeals"]["by_category"], 0),
        "closed": 1,
        "closed_in_grid_rate": 1.0,
        "escalated_rate": None,
        "on_time_rate": None,
        "overdue_open": 0,
        "median_accept_hours": None,
        "median_close_hours": 24.0,
        "satisfaction_rate": 1.0,
        "rated_rate": 1.0,
        "repeat_rate": 0.0,
        "per_1000_residents": 0.0,
    }
    assert s2["mediation"] == {"applied": 0, "agreed_rate": 0.0, "fulfilled_rate": None, "referred": 0,
                               "overdue_open": 0}  # fmt: skip
    assert s2["monthly"]["turnout_rate"] == 0.0 and s2["monthly"]["winner_progress"] == 60
    assert s2["notifications"] == {"sent": 0, "dead": 1}
    assert s1["consultations"] == {"raised": 3, "threshold_reached_rate": 0.6667, "resolved": 2,
                                   "implemented_rate": 0.5, "mean_attendance": 2.5, "evaluation_score": 4.5}  # fmt: skip
    # S2: c4 published, its work not done since; nothing raised, no meeting held, nothing rated.
    assert s2["consultations"] == {"raised": 0, "threshold_reached_rate": None, "resolved": 1,
                                   "implemented_rate": 0.0, "mean_attendance": None, "evaluation_score": None}  # fmt: skip


def test_consultations_of_a_community_and_its_children(district):
    """c3 lives at the community itself: in its total, in no child's."""
    d = doc(district.staff1, district.community1)
    assert d["consultations"]["raised"] == 3
    g1 = child(d, district.grid1)["consultations"]
    assert (g1["raised"], g1["threshold_reached_rate"], g1["resolved"], g1["implemented_rate"]) == (2, 0.5, 2, 0.5)
    x1 = child(d, district.dedicated1)["consultations"]
    assert x1 == {"raised": 0, "threshold_reached_rate": None, "resolved": 0, "implemented_rate": None,
                  "mean_attendance": None, "evaluation_score": None}  # fmt: skip


def test_series_by_day(district):
    series = doc(district.admin, district.district)["series"]
    received = {p["date"]: p["count"] for p in series["appeals_received_by_day"]}
    closed = {p["date"]: p["count"] for p in series["appeals_closed_by_day"]}
    assert len(received) == len(closed) == 30
    assert {k: v for k, v in received.items() if v} == {
        "2026-11-02": 1, "2026-11-10": 1, "2026-11-15": 1, "2026-11-20": 1, "2026-11-25": 1,
    }  # fmt: skip
    assert {k: v for k, v in closed.items() if v} == {
        "2026-11-01": 1, "2026-11-03": 1, "2026-11-12": 1, "2026-11-21": 1,
    }  # fmt: skip


def test_nothing_rated_nothing_due(district):
    """The community over 20–22 November: a4 only, resolved, never rated, due next month."""
    d = doc(district.staff1, district.community1, Period(date(2026, 11, 20), date(2026, 11, 22)))
    a = d["appeals"]
    assert (a["received"], a["closed"], a["rated_rate"], a["satisfaction_rate"], a["on_time_rate"]) == (
        1, 1, 0.0, None, None,
    )  # fmt: skip
    assert a["closed_in_grid_rate"] == 0.0 and a["median_accept_hours"] == 6.0


def test_no_eligible_voters(district):
    """The dedicated grid under community 1 has no verified residents: turnout is null."""
    d = doc(district.staff1, district.community1)
    assert child(d, district.dedicated1)["monthly"]["turnout_rate"] is None
    assert child(d, district.dedicated1)["mediation"]["applied"] == 1  # m6
    assert child(d, district.grid1)["monthly"]["turnout_rate"] == 1.0


def test_an_empty_period(district):
    d = doc(district.admin, district.district, Period(date(2026, 9, 1), date(2026, 9, 30)))
    a, m = d["appeals"], d["mediation"]
    assert a["received"] == a["closed"] == 0
    for rate in ("closed_in_grid_rate", "escalated_rate", "on_time_rate", "satisfaction_rate", "rated_rate",
                 "repeat_rate", "median_accept_hours", "median_close_hours"):  # fmt: skip
        assert a[rate] is None, rate
    assert a["overdue_open"] == 1  # a snapshot, whatever the period
    assert (m["applied"], m["agreed_rate"], m["fulfilled_rate"]) == (0, None, None)
    assert d["monthly"] == {"current_round": None, "turnout_rate": None, "winner_progress": None}
    assert d["notifications"] == {"sent": 0, "dead": 0}
    assert d["consultations"] == {"raised": 0, "threshold_reached_rate": None, "resolved": 0,
                                  "implemented_rate": None, "mean_attendance": None, "evaluation_score": None}  # fmt: skip


@pytest.mark.parametrize("who", ["staff1", "resident1", "worker1"])
def test_figures_are_for_staff_of_the_subtree(district, who):
    from backend.errors import NotFound

    with pytest.raises(NotFound):
        doc(getattr(district, who), district.district)

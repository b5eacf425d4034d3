"""Rounds, nominations and candidates: who may create and move them, and when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.errors import Conflict
from monthly import services
from monthly.models import Round, RoundEvent
from tests.residents.factories import ResidenceFactory, UserFactory

from .factories import candidates, make_round, url

pytestmark = pytest.mark.django_db


def round_body(scope, **extra):
    now = timezone.now()
    return {
        "scope": scope.pk,
        "month": "2026-12",
        "title": "十二月每月一事",
        "nomination_ends": (now + timedelta(days=3)).isoformat(),
        "voting_starts": (now + timedelta(days=4)).isoformat(),
        "voting_ends": (now + timedelta(days=7)).isoformat(),
        "max_choices": 2,
        "results_visibility": "after_close",
        **extra,
    }


def test_staff_of_the_street_creates_a_round(api, tree):
    r = api.as_user(tree.staff1).post("/api/v1/monthly/rounds", round_body(tree.street1))
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["status"] == "nominating"
    assert body["scope"] == tree.street1.pk and body["max_choices"] == 2
    assert [e["action"] for e in body["history"]] == ["create"]
    assert body["me"]["staff"] is True and "open_voting" in body["allowed_actions"]


def test_district_admin_creates_a_district_round(api, tree):
    r = api.as_user(tree.admin).post("/api/v1/monthly/rounds", round_body(tree.district))
    assert r.status_code == 201


def test_staff_of_another_street_and_residents_may_not_create(api, tree):
    assert api.as_user(tree.staff2).post("/api/v1/monthly/rounds", round_body(tree.street1)).status_code == 403
    r = api.as_user(tree.resident1).post("/api/v1/monthly/rounds", round_body(tree.street1))
    assert r.status_code == 403
    # a street's staff cannot run a district round either
    assert api.as_user(tree.staff1).post("/api/v1/monthly/rounds", round_body(tree.district)).status_code == 403


def test_one_round_per_scope_and_month(api, tree):
    client = api.as_user(tree.staff1)
    assert client.post("/api/v1/monthly/rounds", round_body(tree.street1)).status_code == 201
    r = client.post("/api/v1/monthly/rounds", round_body(tree.street1, title="again"))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "round_exists"
    # another month, or another street the same month, is fine
    assert client.post("/api/v1/monthly/rounds", round_body(tree.street1, month="2027-01")).status_code == 201
    assert api.as_user(tree.staff2).post("/api/v1/monthly/rounds", round_body(tree.street2)).status_code == 201


@pytest.mark.parametrize(
    "change,field",
    [
        ({"month": "2026-13"}, "month"),
        ({"max_choices": 0}, "max_choices"),
        ({"results_visibility": "sometimes"}, "results_visibility"),
        ({"voting_ends": (timezone.now() + timedelta(days=4)).isoformat()}, "voting_ends"),
        ({"nomination_ends": (timezone.now() + timedelta(days=5)).isoformat()}, "nomination_ends"),
    ],
)
def test_bad_round_input_is_400_and_creates_nothing(api, tree, change, field):
    r = api.as_user(tree.staff1).post("/api/v1/monthly/rounds", round_body(tree.street1, **change))
    assert r.status_code == 400
    assert field in r.json()["error"]["fields"]
    assert not Round.objects.exists()


def test_scope_must_be_a_district_or_street(api, tree):
    r = api.as_user(tree.staff1).post("/api/v1/monthly/rounds", round_body(tree.community1))
    assert r.status_code == 400
    assert "scope" in r.json()["error"]["fields"]


def test_list_filters_and_detail(api, tree):
    one = make_round(scope=tree.street1, staff=tree.staff1)
    make_round(scope=tree.street2, staff=tree.staff2, open_voting=True)
    client = api.as_user(tree.resident1)
    rows = client.get("/api/v1/monthly/rounds").json()["results"]
    assert len(rows) == 2
    rows = client.get(f"/api/v1/monthly/rounds?scope={tree.street1.pk}").json()["results"]
    assert [r["id"] for r in rows] == [one.pk]
    rows = client.get("/api/v1/monthly/rounds?status=voting").json()["results"]
    assert [r["scope"] for r in rows] == [tree.street2.pk]
    assert client.get("/api/v1/monthly/rounds?status=bogus").status_code == 400
    detail = client.get(url(one)).json()
    assert [c["title"] for c in detail["candidates"]] == ["修好3号楼路灯", "增设充电桩", "清理楼道杂物"]
    assert detail["me"] == {"eligible": True, "staff": False, "voted": False, "receipt": None}
    assert detail["allowed_actions"] == []
    assert client.get("/api/v1/monthly/rounds/999999").status_code == 404
    assert api.get(url(one)).status_code == 401


def test_detail_queries_do_not_grow_with_candidates(api, tree, django_assert_max_num_queries):
    small = make_round(scope=tree.street1, staff=tree.staff1, titles=["a"], open_voting=True)
    big = make_round(scope=tree.street2, staff=tree.staff2, titles=[f"c{i}" for i in range(12)], open_voting=True)
    client = api.as_user(tree.staff1)
    for round_ in (small, big):
        with django_assert_max_num_queries(12):
            assert client.get(url(round_)).status_code == 200


def test_staff_edit_a_nominating_round_only(api, tree):
    round_ = make_round(scope=tree.street1, staff=tree.staff1)
    client = api.as_user(tree.staff1)
    r = client.patch(url(round_), {"title": "新标题", "max_choices": 3})
    assert r.status_code == 200 and r.json()["title"] == "新标题" and r.json()["max_choices"] == 3
    assert api.as_user(tree.staff2).patch(url(round_), {"title": "x"}).status_code == 403
    bad = client.patch(url(round_), {"voting_ends": round_.voting_starts.isoformat()})
    assert bad.status_code == 400
    client.post(url(round_, "open-voting"))
    r = client.patch(url(round_), {"title": "too late"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "round_locked"


# --- nominations and candidates -------------------------------------------------------------


def nominating_round(tree, month="2026-11", title="十一月"):
    now = timezone.now()
    return services.round_create(
        actor=tree.staff1,
        scope=tree.street1,
        month=month,
        title=title,
        nomination_ends=now + timedelta(days=1),
        voting_starts=now + timedelta(days=2),
        voting_ends=now + timedelta(days=4),
    )


def test_eligible_resident_nominates(api, tree):
    round_ = nominating_round(tree)
    r = api.as_user(tree.resident1).post(url(round_, "nominations"), {"title": "小区门口积水", "description": "雨天"})
    assert r.status_code == 201 and r.json()["mine"] is True
    listed = api.as_user(tree.staff1).get(url(round_, "nominations")).json()["results"]
    assert [(n["title"], n["mine"]) for n in listed] == [("小区门口积水", False)]


def test_ineligible_people_may_not_nominate(api, tree):
    round_ = nominating_round(tree)
    for user in (tree.resident2, tree.newcomer, tree.staff1):
        r = api.as_user(user).post(url(round_, "nominations"), {"title": "x"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_eligible"


def test_nominations_close_at_nomination_ends(api, tree):
    round_ = nominating_round(tree)
    with pytest.raises(Conflict) as err:
        services.nomination_create(
            round_=round_, author=tree.resident1, title="late", now=round_.nomination_ends + timedelta(seconds=1)
        )
    assert err.value.code == "nomination_closed"
    assert api.as_user(tree.resident1).post(url(round_, "nominations"), {"title": ""}).status_code == 400


def test_staff_turn_a_nomination_into_a_candidate(api, tree):
    round_ = nominating_round(tree)
    nomination = services.nomination_create(round_=round_, author=tree.resident1, title="积水")
    client = api.as_user(tree.staff1)
    r = client.post(url(round_, "candidates"), {"title": "解决门口积水", "nomination": nomination.pk})
    assert r.status_code == 201 and r.json()["nomination"] == nomination.pk
    assert client.post(url(round_, "candidates"), {"title": "自拟事项"}).status_code == 201
    assert [c["title"] for c in client.get(url(round_, "candidates")).json()] == ["解决门口积水", "自拟事项"]
    other = make_round(scope=tree.street1, staff=tree.staff1)
    foreign = services.nomination_create(round_=nominating_round(tree, month="2026-10", title="十月"), author=tree.resident1, title="x")
    r = client.post(url(other, "candidates"), {"title": "y", "nomination": foreign.pk})
    assert r.status_code == 400 and "nomination" in r.json()["error"]["fields"]


def test_residents_and_other_staff_may_not_add_candidates(api, tree):
    round_ = nominating_round(tree)
    assert api.as_user(tree.resident1).post(url(round_, "candidates"), {"title": "x"}).status_code == 403
    assert api.as_user(tree.staff2).post(url(round_, "candidates"), {"title": "x"}).status_code == 403


def test_no_candidates_once_voting(api, tree, voting):
    r = api.as_user(tree.staff1).post(url(voting, "candidates"), {"title": "late"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "candidates_locked"


# --- opening and closing by hand ----------------------------------------------------------


def test_staff_open_early_which_moves_voting_starts(api, tree):
    round_ = nominating_round(tree)
    services.candidate_add(round_=round_, actor=tree.staff1, title="a")
    before = timezone.now()
    r = api.as_user(tree.staff1).post(url(round_, "open-voting"))
    assert r.status_code == 200, r.json()
    round_.refresh_from_db()
    assert round_.status == "voting"
    assert before <= round_.voting_starts <= timezone.now()
    assert round_.nomination_ends <= round_.voting_starts
    event = RoundEvent.objects.get(round=round_, action="open_voting")
    assert event.actor == tree.staff1 and "voting_starts" in event.note
    again = api.as_user(tree.staff1).post(url(round_, "open-voting"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"


def test_open_refused_without_candidates_or_after_the_window(api, tree):
    round_ = nominating_round(tree)
    r = api.as_user(tree.staff1).post(url(round_, "open-voting"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_candidates"
    services.candidate_add(round_=round_, actor=tree.staff1, title="a")
    with pytest.raises(Conflict) as err:
        services.round_open_voting(round_=round_, actor=tree.staff1, now=round_.voting_ends)
    assert err.value.code == "voting_window_over"


def test_only_staff_of_the_scope_open_and_close(api, tree, voting):
    assert api.as_user(tree.resident1).post(url(voting, "close")).status_code == 403
    assert api.as_user(tree.staff2).post(url(voting, "close")).status_code == 403
    assert api.as_user(tree.worker1).post(url(voting, "close")).status_code == 403
    r = api.as_user(tree.staff1).post(url(voting, "close"))
    assert r.status_code == 200 and r.json()["status"] == "counted"
    again = api.as_user(tree.staff1).post(url(voting, "close"))
    assert again.status_code == 409


def test_close_by_hand_counts_freezes_and_moves_voting_ends(api, tree, voting):
    first, second, _ = candidates(voting)
    api.as_user(tree.resident1).post(url(voting, "ballot"), {"choices": [second.pk]})
    r = api.as_user(tree.admin).post(url(voting, "close"))
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "counted" and body["winner"] == second.pk and body["turnout"] == 1
    voting.refresh_from_db()
    assert voting.voting_ends <= timezone.now() and voting.counted_at is not None
    assert voting.eligible == 1  # resident1 is the only verified resident of street 1
    # frozen: a later change of the counters does not change the result
    from monthly.models import TallyShard

    TallyShard.objects.filter(round=voting, candidate=first).update(votes=99)
    results = api.as_user(tree.resident1).get(url(voting, "results")).json()
    assert [(c["id"], c["votes"]) for c in results["candidates"]][:2] == [(second.pk, 1), (first.pk, 0)]


def test_close_with_no_ballots_has_no_winner(api, tree, voting):
    r = api.as_user(tree.staff1).post(url(voting, "close"))
    assert r.json()["winner"] is None and r.json()["turnout"] == 0


def test_ties_go_to_the_earlier_candidate(api, tree, voting):
    first, second, _ = candidates(voting)
    extra = UserFactory()
    ResidenceFactory(user=extra, grid=tree.micro21)
    services.ballot_cast(round_id=voting.pk, voter=tree.resident1, choices=[second.pk])
    services.ballot_cast(round_id=voting.pk, voter=extra, choices=[first.pk])
    closed = services.round_close(round_=voting, actor=tree.staff1)
    assert closed.winner == first
    assert "tie" in RoundEvent.objects.get(round=voting, action="close").note

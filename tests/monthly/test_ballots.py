"""Casting ballots: eligibility, the window, the choices, one per resident, receipts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.errors import Conflict
from monthly import ballots, services
from monthly.models import Ballot, Round
from monthly.selectors import live_tally
from residents.models import Residence, ResidenceStatus
from tests.residents.factories import ResidenceFactory, UserFactory

from .factories import candidates, make_round, url

pytestmark = pytest.mark.django_db


def test_eligible_resident_votes_and_gets_a_receipt(api, tree, voting):
    first, *_ = candidates(voting)
    r = api.as_user(tree.resident1).post(url(voting, "ballot"), {"choices": [first.pk]})
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["choices"] == [first.pk] and len(body["receipt"]) == 64
    assert live_tally(voting).votes[first.pk] == 1 and live_tally(voting).turnout == 1
    detail = api.as_user(tree.resident1).get(url(voting)).json()
    assert detail["me"]["voted"] is True and detail["me"]["receipt"] == body["receipt"]


def test_second_ballot_is_409_already_voted(api, tree, voting):
    first, second, _ = candidates(voting)
    client = api.as_user(tree.resident1)
    assert client.post(url(voting, "ballot"), {"choices": [first.pk]}).status_code == 201
    r = client.post(url(voting, "ballot"), {"choices": [second.pk]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_voted"
    assert Ballot.objects.filter(round=voting).count() == 1
    tally = live_tally(voting)
    assert tally.turnout == 1 and tally.votes[first.pk] == 1 and tally.votes[second.pk] == 0


def test_unverified_resident_is_not_eligible(api, tree, voting):
    ResidenceFactory(user=tree.newcomer, grid=tree.micro1, status=ResidenceStatus.PENDING)
    first, *_ = candidates(voting)
    r = api.as_user(tree.newcomer).post(url(voting, "ballot"), {"choices": [first.pk]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_eligible"
    assert not Ballot.objects.exists() and live_tally(voting).turnout == 0


def test_resident_of_another_street_is_not_eligible(api, tree, voting):
    first, *_ = candidates(voting)
    r = api.as_user(tree.resident2).post(url(voting, "ballot"), {"choices": [first.pk]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_eligible"
    assert api.as_user(tree.resident2).get(url(voting)).json()["me"]["eligible"] is False


def test_moved_out_resident_is_not_eligible(api, tree, voting):
    Residence.objects.filter(user=tree.resident1).update(status=ResidenceStatus.SUPERSEDED)
    first, *_ = candidates(voting)
    r = api.as_user(tree.resident1).post(url(voting, "ballot"), {"choices": [first.pk]})
    assert r.status_code == 403


def test_district_round_takes_residents_of_every_street(api, tree):
    round_ = make_round(scope=tree.district, staff=tree.admin, open_voting=True)
    first, *_ = candidates(round_)
    for user in (tree.resident1, tree.resident2):
        assert api.as_user(user).post(url(round_, "ballot"), {"choices": [first.pk]}).status_code == 201
    assert live_tally(round_).votes[first.pk] == 2


@pytest.mark.parametrize(
    "choices,problem",
    [
        ("two", "too many"),
        ("repeat", "twice"),
        ("foreign", "not a candidate"),
        ("unknown", "not a candidate"),
        ("empty", "empty"),
        ("bad", "integer"),
    ],
)
def test_bad_choices_are_400_and_change_nothing(api, tree, choices, problem):
    round_ = make_round(scope=tree.street1, staff=tree.staff1, open_voting=True, max_choices=1)
    other = make_round(scope=tree.street2, staff=tree.staff2, open_voting=True)
    first, second, _ = candidates(round_)
    body = {
        "two": [first.pk, second.pk],
        "repeat": [first.pk, first.pk],
        "foreign": [candidates(other)[0].pk],
        "unknown": [10**9],
        "empty": [],
        "bad": ["x"],
    }[choices]
    r = api.as_user(tree.resident1).post(url(round_, "ballot"), {"choices": body})
    assert r.status_code == 400, r.json()
    assert "choices" in r.json()["error"]["fields"]
    assert not Ballot.objects.exists() and live_tally(round_).turnout == 0


def test_repeated_choice_with_max_choices_2(api, tree):
    round_ = make_round(scope=tree.street1, staff=tree.staff1, open_voting=True, max_choices=2)
    first, second, third = candidates(round_)
    client = api.as_user(tree.resident1)
    assert client.post(url(round_, "ballot"), {"choices": [first.pk, first.pk]}).status_code == 400
    assert client.post(url(round_, "ballot"), {"choices": [first.pk, second.pk, third.pk]}).status_code == 400
    assert client.post(url(round_, "ballot"), {"choices": [first.pk, third.pk]}).status_code == 201
    tally = live_tally(round_)
    assert (tally.turnout, tally.votes[first.pk], tally.votes[second.pk], tally.votes[third.pk]) == (1, 1, 0, 1)


def test_the_window_edges(tree, voting):
    first, *_ = candidates(voting)
    second_voter = UserFactory()
    ResidenceFactory(user=second_voter, grid=tree.micro21)
    third_voter = UserFactory()
    ResidenceFactory(user=third_voter, grid=tree.micro21)
    one = timedelta(seconds=1)
    for when in (voting.voting_starts - one, voting.voting_ends, voting.voting_ends + one):
        with pytest.raises(Conflict) as err:
            services.ballot_cast(round_id=voting.pk, voter=tree.resident1, choices=[first.pk], now=when)
        assert err.value.code == "voting_closed"
    services.ballot_cast(round_id=voting.pk, voter=tree.resident1, choices=[first.pk], now=voting.voting_starts)
    services.ballot_cast(round_id=voting.pk, voter=second_voter, choices=[first.pk], now=voting.voting_ends - one)
    assert live_tally(voting).turnout == 2


def test_no_ballot_before_voting_opens_or_after_close(api, tree, voting):
    first, *_ = candidates(voting)
    nominating = make_round(scope=tree.street1, staff=tree.staff1)
    r = api.as_user(tree.resident1).post(url(nominating, "ballot"), {"choices": [candidates(nominating)[0].pk]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "voting_closed"
    api.as_user(tree.staff1).post(url(voting, "close"))
    r = api.as_user(tree.resident1).post(url(voting, "ballot"), {"choices": [first.pk]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "voting_closed"
    assert api.as_user(tree.resident1).post("/api/v1/monthly/rounds/999999/ballot", {"choices": [1]}).status_code == 404


def test_a_stale_round_cache_cannot_let_a_late_ballot_in(tree, voting):
    first, *_ = candidates(voting)
    from monthly.selectors import voting_info

    assert voting_info(voting.pk).status == "voting"  # cached in this process
    Round.objects.filter(pk=voting.pk).update(status="counted")  # closed elsewhere
    with pytest.raises(Conflict) as err:
        services.ballot_cast(round_id=voting.pk, voter=tree.resident1, choices=[first.pk])
    assert err.value.code == "voting_closed"


def test_my_ballot_shows_own_choices_only(api, tree):
    round_ = make_round(scope=tree.district, staff=tree.admin, open_voting=True, max_choices=2)
    first, _, third = candidates(round_)
    cast = api.as_user(tree.resident1).post(url(round_, "ballot"), {"choices": [third.pk, first.pk]}).json()
    mine = api.as_user(tree.resident1).get(url(round_, "my-ballot")).json()
    assert [c["id"] for c in mine["choices"]] == [third.pk, first.pk]
    assert mine["receipt"] == cast["receipt"]
    r = api.as_user(tree.resident2).get(url(round_, "my-ballot"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_ballot"
    assert api.as_user(tree.admin).get(url(round_, "my-ballot")).status_code == 404


def test_a_receipt_checks_out_without_revealing_choices(api, tree, voting):
    first, *_ = candidates(voting)
    receipt = api.as_user(tree.resident1).post(url(voting, "ballot"), {"choices": [first.pk]}).json()["receipt"]
    r = api.get(url(voting, f"receipts/{receipt}"))  # anyone, even without logging in
    assert r.status_code == 200
    assert r.json()["counted"] is True and r.json()["final"] is False
    assert set(r.json()) == {"round", "receipt", "counted", "final", "cast_at"}
    api.as_user(tree.staff1).post(url(voting, "close"))
    assert api.get(url(voting, f"receipts/{receipt}")).json()["final"] is True
    missing = api.get(url(voting, f"receipts/{'0' * 64}"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "receipt_not_found"
    other = make_round(scope=tree.street1, staff=tree.staff1, open_voting=True)
    assert api.get(url(other, f"receipts/{receipt}")).status_code == 404


def test_receipts_differ_and_are_not_the_voter(tree, voting):
    first, *_ = candidates(voting)
    a = services.ballot_cast(round_id=voting.pk, voter=tree.resident1, choices=[first.pk])["receipt"]
    other = UserFactory()
    ResidenceFactory(user=other, grid=tree.micro1)
    b = services.ballot_cast(round_id=voting.pk, voter=other, choices=[first.pk])["receipt"]
    assert a != b
    ballot = Ballot.objects.get(receipt=a)
    assert services.make_receipt(voting.pk, tree.resident1.pk, ballot.salt) == a


def test_ballot_queries_are_few(api, tree, voting, django_assert_max_num_queries):
    first, *_ = candidates(voting)
    client = api.as_user(tree.resident1)
    client.get(url(voting))  # warm nothing in particular; the first ballot fetches the round
    # round, candidates, then the one cast statement (inside the test's transaction, a savepoint
    # around it; in autocommit mode, as served, there is none). No user query: the token's id.
    with django_assert_max_num_queries(5):
        assert client.post(url(voting, "ballot"), {"choices": [first.pk]}).status_code == 201
    other = UserFactory()
    ResidenceFactory(user=other, grid=tree.micro1)
    with CaptureQueriesContext(connection) as captured:  # the round is cached now
        assert api.as_user(other).post(url(voting, "ballot"), {"choices": [first.pk]}).status_code == 201
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1 and statements[0].startswith("SELECT monthly_cast_ballot("), statements
    # A refused ballot (the same voter again) costs the same one statement and answers 409.
    with CaptureQueriesContext(connection) as captured:
        again = api.as_user(other).post(url(voting, "ballot"), {"choices": [first.pk]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_voted"
    assert len([q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]) == 1


def test_disabled_account_cannot_vote_with_a_live_token(api, tree, voting):
    client = api.as_user(tree.resident1)
    tree.resident1.is_active = False
    tree.resident1.save(update_fields=["is_active"])
    r = client.post(url(voting, "ballot"), {"choices": [candidates(voting)[0].pk]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "account_disabled"
    assert not Ballot.objects.exists()


def test_ballots_are_throttled_per_voter(api, tree, voting, settings):
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], "ballot": "3/min"}}
    first, *_ = candidates(voting)
    client = api.as_user(tree.resident1)
    codes = [client.post(url(voting, "ballot"), {"choices": [first.pk]}).status_code for _ in range(4)]
    assert codes == [201, 409, 409, 429]
    r = client.post(url(voting, "ballot"), {"choices": [first.pk]})
    assert r.json()["error"]["code"] == "throttled" and int(r["Retry-After"]) <= 60
    # another voter has a window of their own
    assert api.as_user(tree.resident2).post(url(voting, "ballot"), {"choices": [first.pk]}).status_code == 403


def test_the_portable_cast_used_on_sqlite_follows_the_same_rules(tree, voting):
    """The embedded demo (SQLite) casts through the ORM; same tests, same counters."""
    first, second, _ = candidates(voting)
    from django.utils import timezone

    def params(voter, choices):
        return [
            voting.pk,
            voter.pk,
            f"r{voter.pk}",
            "salt",
            "",
            timezone.now(),
            voter.pk % voting.tally_shards,
            choices,
        ]

    assert ballots.cast_portable(params(tree.resident1, [first.pk])) == 2
    assert ballots.cast_portable(params(tree.resident2, [first.pk])) == 0  # another street
    other = UserFactory()
    ResidenceFactory(user=other, grid=tree.micro1)
    assert ballots.cast_portable(params(other, [first.pk, 10**9])) == 0  # not a candidate
    tally = live_tally(voting)
    assert tally.turnout == 1 and tally.votes[first.pk] == 1 and tally.votes[second.pk] == 0
    assert json.loads(Ballot.objects.get(voter=tree.resident1).sealed_choices) == [first.pk]


@pytest.mark.parametrize("choose", ["twice", "stranger"])
def test_invalid_choices_are_400_invalid_choices(api, tree, voting, choose):
    first, *_ = candidates(voting)
    choices = {"twice": [first.pk, first.pk], "stranger": [10**9]}[choose]
    r = api.as_user(tree.resident1).post(url(voting, "ballot"), {"choices": choices})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_choices"
    assert not Ballot.objects.filter(round=voting).exists()

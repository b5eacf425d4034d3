"""Concurrent requests against PostgreSQL (real transactions, one connection per thread)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from monthly import services
from monthly.models import Ballot, RoundResult
from monthly.selectors import live_tally
from monthly.tasks import advance_round_phases
from tests.conftest import Api
from tests.helpers_threads import run_together
from tests.residents.factories import ResidenceFactory, UserFactory

from .factories import candidates, make_round, url

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_concurrent_ballots_of_one_resident_give_one_ballot(tree, voting):
    first, second, _ = candidates(voting)
    client = Api().as_user(tree.resident1)

    def cast(i: int) -> Callable[[], Any]:
        return lambda: client.post(url(voting, "ballot"), {"choices": [first.pk if i % 2 else second.pk]})

    answers = run_together([cast(i) for i in range(20)])
    codes = Counter(a.status_code for a in answers)
    assert codes == {201: 1, 409: 19}, codes
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"already_voted"}
    assert Ballot.objects.filter(round=voting).count() == 1
    tally = live_tally(voting)
    assert tally.turnout == 1 and tally.votes[first.pk] + tally.votes[second.pk] == 1


def test_many_residents_at_once_give_an_exact_tally(tree):
    round_ = make_round(scope=tree.street1, staff=tree.staff1, open_voting=True, max_choices=2)
    ids = [c.pk for c in candidates(round_)]
    voters = []
    for _ in range(40):
        user = UserFactory()
        ResidenceFactory(user=user, grid=tree.micro1)
        voters.append(user)
    rng = random.Random(7)
    picks = {v.pk: rng.sample(ids, rng.choice([1, 2])) for v in voters}

    def cast(voter) -> Callable[[], Any]:
        return lambda: services.ballot_cast(round_id=round_.pk, voter=voter, choices=picks[voter.pk])

    # each voter twice, at once: the second of each pair is refused
    results = run_together([cast(v) for v in voters] + [cast(v) for v in voters])
    cast_ok = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if not isinstance(r, dict)]
    assert len(cast_ok) == 40 and all(getattr(r, "code", None) == "already_voted" for r in refused)
    expected = Counter(cid for choice in picks.values() for cid in choice)
    tally = live_tally(round_)
    assert tally.turnout == 40 == Ballot.objects.filter(round=round_).count()
    assert tally.votes == {cid: expected.get(cid, 0) for cid in ids}


def test_ballots_racing_the_close_are_either_counted_or_refused(tree, voting):
    first, *_ = candidates(voting)
    voters = []
    for _ in range(30):
        user = UserFactory()
        ResidenceFactory(user=user, grid=tree.micro21)
        voters.append(user)
    jobs: list[Callable[[], Any]] = [
        (lambda v=v: services.ballot_cast(round_id=voting.pk, voter=v, choices=[first.pk])) for v in voters
    ]
    jobs.insert(15, lambda: services.round_close(round_=voting, actor=tree.staff1))
    results = run_together(jobs)
    accepted = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if getattr(r, "code", None) == "voting_closed"]
    assert len(accepted) + len(refused) == 30, [r for r in results if isinstance(r, Exception)]
    voting.refresh_from_db()
    assert voting.status == "counted"
    frozen = RoundResult.objects.get(round=voting, candidate=first).votes
    assert frozen == voting.turnout == len(accepted) == Ballot.objects.filter(round=voting).count()


def test_two_task_runs_at_once_close_once(tree, voting):
    first, *_ = candidates(voting)
    services.ballot_cast(round_id=voting.pk, voter=tree.resident1, choices=[first.pk])
    when = voting.voting_ends
    results = run_together([lambda: advance_round_phases(now=when), lambda: advance_round_phases(now=when)])
    assert sorted(len(r["closed"]) for r in results) == [0, 1], results
    voting.refresh_from_db()
    assert voting.status == "counted" and voting.turnout == 1
    assert voting.events.filter(action="close").count() == 1
    assert RoundResult.objects.filter(round=voting).count() == 3

"""Live rounds: tallies to those who may see them, over the WebSocket at most once a second."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from monthly import live as live_tallies
from monthly import services, tasks
from notifications.realtime import authorize_topic
from tests.residents.factories import ResidenceFactory, UserFactory

from .factories import candidates, make_round, url
from .realtime import listen, receive_all

pytestmark = pytest.mark.django_db


def another_voter(tree):
    user = UserFactory()
    ResidenceFactory(user=user, grid=tree.micro21)
    return user


def test_live_results_to_the_eligible_and_staff_only(api, tree, live):
    first, *_ = candidates(live)
    services.ballot_cast(round_id=live.pk, voter=tree.resident1, choices=[first.pk])
    for user in (tree.resident1, tree.staff1, tree.admin):
        r = api.as_user(user).get(url(live, "results"))
        assert r.status_code == 200 and r.json()["final"] is False
        assert r.json()["candidates"][0] == {"id": first.pk, "title": first.title, "votes": 1}
        assert r.json()["winner"] is None
    for user in (tree.resident2, tree.staff2, tree.newcomer):
        r = api.as_user(user).get(url(live, "results"))
        assert r.status_code == 403 and r.json()["error"]["code"] == "results_hidden"
    assert api.as_user(tree.resident1).get(url(live)).json()["candidates"][0]["votes"] == 1
    assert api.as_user(tree.resident2).get(url(live)).json()["candidates"][0]["votes"] is None


def test_topic_authorizer(tree, live):
    topic = f"monthly.round.{live.pk}"
    assert authorize_topic(tree.resident1, topic) is True
    assert authorize_topic(tree.staff1, topic) is True
    assert authorize_topic(tree.resident2, topic) is False
    assert authorize_topic(tree.newcomer, topic) is False
    assert authorize_topic(tree.resident1, "monthly.round.999999") is False
    nominating = make_round(scope=tree.street1, staff=tree.staff1, visibility="live")
    assert authorize_topic(tree.resident1, f"monthly.round.{nominating.pk}") is False


def test_tallies_published_at_most_once_a_second_with_a_trailing_update(tree, live, django_capture_on_commit_callbacks):
    first, second, _ = candidates(live)
    channel = listen(f"monthly.round.{live.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        services.ballot_cast(round_id=live.pk, voter=tree.resident1, choices=[first.pk])
    with django_capture_on_commit_callbacks(execute=True):
        services.ballot_cast(round_id=live.pk, voter=another_voter(tree), choices=[second.pk])
    with django_capture_on_commit_callbacks(execute=True):
        services.ballot_cast(round_id=live.pk, voter=another_voter(tree), choices=[second.pk])
    got = receive_all(channel)
    assert len(got) == 1  # the gate held the second and third back
    assert got[0]["type"] == "round_tally" and got[0]["payload"]["turnout"] == 1
    # a second later the trailing task sends what the gate held back, once
    cache.delete(live_tallies.gate_key(live.pk))
    assert tasks.publish_round_tally(live.pk) is True
    got = receive_all(channel)
    assert len(got) == 1
    payload = got[0]["payload"]
    assert payload["turnout"] == 3
    assert {c["id"]: c["votes"] for c in payload["candidates"]}[second.pk] == 2
    # nothing new: the next trailing run stays quiet
    cache.delete(live_tallies.gate_key(live.pk))
    assert tasks.publish_round_tally(live.pk) is False
    assert receive_all(channel, timeout=0.1) == []

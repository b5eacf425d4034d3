"""Secret ballot and hidden results: who chose what is never shown to anyone but the voter,
and with `after_close` no count or order leaks before the close (API, admin, WebSocket)."""

from __future__ import annotations

import json

import pytest

from monthly import services
from monthly.models import Ballot
from notifications.realtime import authorize_topic
from tests.residents.factories import ResidenceFactory, UserFactory

from .factories import candidates, url
from .realtime import listen, receive_all

pytestmark = pytest.mark.django_db


def vote_unevenly(round_, tree):
    """Three ballots: the *third* candidate leads, so an order by votes would differ from ids."""
    _, second, third = candidates(round_)
    voters = [tree.resident1]
    for _ in range(2):
        extra = UserFactory()
        ResidenceFactory(user=extra, grid=tree.micro1)
        voters.append(extra)
    services.ballot_cast(round_id=round_.pk, voter=voters[0], choices=[third.pk])
    services.ballot_cast(round_id=round_.pk, voter=voters[1], choices=[third.pk])
    services.ballot_cast(round_id=round_.pk, voter=voters[2], choices=[second.pk])
    return voters


def test_results_are_hidden_before_close_from_everyone(api, tree, voting):
    vote_unevenly(voting, tree)
    for user in (tree.resident1, tree.staff1, tree.admin, tree.resident2):
        r = api.as_user(user).get(url(voting, "results"))
        assert r.status_code == 403 and r.json()["error"]["code"] == "results_hidden"


def test_detail_leaks_no_count_or_order_before_close(api, tree, voting):
    vote_unevenly(voting, tree)
    ids = [c.pk for c in candidates(voting)]
    for user in (tree.resident1, tree.staff1, tree.admin):
        body = api.as_user(user).get(url(voting)).json()
        assert [c["id"] for c in body["candidates"]] == ids  # neutral order, by id
        assert all(c["votes"] is None for c in body["candidates"])
        assert body["turnout"] is None and body["eligible"] is None and body["winner"] is None
    listed = api.as_user(tree.staff1).get("/api/v1/monthly/rounds").json()["results"][0]
    assert "turnout" not in listed and listed["winner"] is None


def test_websocket_topic_refused_before_close_and_nothing_published(
    api, tree, voting, django_capture_on_commit_callbacks
):
    topic = f"monthly.round.{voting.pk}"
    for user in (tree.resident1, tree.staff1, tree.admin):
        assert authorize_topic(user, topic) is False
    channel = listen(topic)
    with django_capture_on_commit_callbacks(execute=True):
        vote_unevenly(voting, tree)
    assert receive_all(channel) == []
    services.round_close(round_=voting, actor=tree.staff1)
    assert authorize_topic(tree.resident2, topic) is True  # counted: the result is public


def test_after_close_everyone_sees_the_frozen_result_in_order(api, tree, voting):
    vote_unevenly(voting, tree)
    first, second, third = candidates(voting)
    services.round_close(round_=voting, actor=tree.staff1)
    body = api.as_user(tree.resident2).get(url(voting, "results")).json()
    assert [(c["id"], c["votes"]) for c in body["candidates"]] == [(third.pk, 2), (second.pk, 1), (first.pk, 0)]
    assert body["winner"] == third.pk and body["turnout"] == 3 and body["eligible"] == 3 and body["final"] is True
    detail = api.as_user(tree.resident1).get(url(voting)).json()
    assert [c["votes"] for c in detail["candidates"]] == [0, 1, 2] and detail["turnout"] == 3


def test_no_answer_links_a_voter_to_a_choice(api, tree, voting):
    voters = vote_unevenly(voting, tree)
    services.round_close(round_=voting, actor=tree.staff1)
    staff = api.as_user(tree.admin)
    answers = [
        staff.get(url(voting)),
        staff.get(url(voting, "results")),
        staff.get(url(voting, "my-ballot")),
        staff.get("/api/v1/monthly/rounds"),
        staff.get(url(voting, "progress")),
    ]
    for answer in answers:
        text = json.dumps(answer.json(), ensure_ascii=False)
        for voter in voters:
            assert voter.username not in text and voter.nickname not in text
            assert f'"voter": {voter.pk}' not in text
        assert "sealed" not in text and "salt" not in text


def test_ballots_are_stored_sealed(tree, voting):
    first, *_ = candidates(voting)
    services.ballot_cast(round_id=voting.pk, voter=tree.resident1, choices=[first.pk])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_choices FROM monthly_ballot")
        (raw,) = cursor.fetchone()
    assert str(first.pk) not in raw.split(".")[0] and raw.startswith("gAAAA")  # Fernet token


@pytest.fixture
def admin_client_of(client, tree):
    tree.admin.is_staff = tree.admin.is_superuser = True
    tree.admin.save()
    client.force_login(tree.admin)
    return client


def test_admin_shows_no_voter_and_no_choices(admin_client_of, tree, voting):
    voters = vote_unevenly(voting, tree)
    ballot = Ballot.objects.filter(round=voting).first()
    pages = [
        admin_client_of.get("/admin/monthly/ballot/"),
        admin_client_of.get(f"/admin/monthly/ballot/{ballot.pk}/change/"),
        admin_client_of.get(f"/admin/monthly/round/{voting.pk}/change/"),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        for voter in voters:
            assert f">{voter.username}<" not in html
        assert ballot.sealed_choices not in html and "sealed_choices" not in html
    # counters of an after_close round before its close: not listed at all
    assert admin_client_of.get("/admin/monthly/tallyshard/").context["cl"].result_count == 0
    assert admin_client_of.get("/admin/monthly/roundresult/").context["cl"].result_count == 0
    assert admin_client_of.get("/admin/monthly/ballot/add/").status_code == 403
    services.round_close(round_=voting, actor=tree.staff1)
    assert admin_client_of.get("/admin/monthly/tallyshard/").context["cl"].result_count > 0
    assert admin_client_of.get("/admin/monthly/roundresult/").context["cl"].result_count == 3


def test_admin_cannot_change_a_round_once_voting(admin_client_of, voting):
    page = admin_client_of.get(f"/admin/monthly/round/{voting.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"]
    assert "status" in form.readonly_fields and "voting_ends" in form.readonly_fields
    inline = page.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission and not inline.has_change_permission

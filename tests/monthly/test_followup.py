"""After the count: staff report progress until completed, residents rate, history shows it."""

from __future__ import annotations

import pytest

from monthly import services
from monthly.models import Round

from .factories import candidates, make_round, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(tree):
    round_ = make_round(scope=tree.street1, staff=tree.staff1, open_voting=True)
    services.ballot_cast(round_id=round_.pk, voter=tree.resident1, choices=[candidates(round_)[1].pk])
    return services.round_close(round_=round_, actor=tree.staff1)


def test_progress_moves_counted_to_implementing_to_completed(api, tree, counted):
    client = api.as_user(tree.staff1)
    r = client.post(url(counted, "progress"), {"content": "已联系施工队", "percent": 30})
    assert r.status_code == 201 and r.json()["status"] == "implementing"
    r = client.post(url(counted, "progress"), {"content": "施工过半", "percent": 60})
    assert r.json()["status"] == "implementing"
    bad = client.post(url(counted, "progress"), {"content": "倒退", "percent": 50})
    assert bad.status_code == 400 and "percent" in bad.json()["error"]["fields"]
    r = client.post(url(counted, "progress"), {"content": "路灯已修好", "percent": 100})
    assert r.status_code == 201 and r.json()["status"] == "completed"
    body = api.as_user(tree.resident2).get(url(counted)).json()
    assert [p["percent"] for p in body["progress"]] == [30, 60, 100]
    actions = [e["action"] for e in body["history"]]
    assert actions[:1] == ["create"] and actions[-4:] == ["start_implementing", "progress", "progress", "complete"]
    assert "open_voting" in actions and "close" in actions
    done = client.post(url(counted, "progress"), {"content": "again", "percent": 100})
    assert done.status_code == 409


def test_progress_refusals(api, tree, counted, voting):
    body = {"content": "x", "percent": 10}
    assert api.as_user(tree.resident1).post(url(counted, "progress"), body).status_code == 403
    assert api.as_user(tree.staff2).post(url(counted, "progress"), body).status_code == 403
    r = api.as_user(tree.staff1).post(url(voting, "progress"), body)
    assert r.status_code == 409
    for percent in (-1, 101, "x"):
        r = api.as_user(tree.staff1).post(url(counted, "progress"), {"content": "x", "percent": percent})
        assert r.status_code == 400


def test_no_progress_without_a_winner(api, tree):
    round_ = make_round(scope=tree.street1, staff=tree.staff1, open_voting=True)
    services.round_close(round_=round_, actor=tree.staff1)
    r = api.as_user(tree.staff1).post(url(round_, "progress"), {"content": "x", "percent": 10})
    assert r.status_code == 409


def test_eligible_residents_rate_once(api, tree, counted):
    client = api.as_user(tree.resident1)
    r = client.post(url(counted, "rate"), {"score": 4})
    assert r.status_code == 201 and r.json()["rating"] == {"average": 4.0, "count": 1}
    again = client.post(url(counted, "rate"), {"score": 5})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_rated"
    other = api.as_user(tree.resident2).post(url(counted, "rate"), {"score": 1})
    assert other.status_code == 403 and other.json()["error"]["code"] == "not_eligible"
    for score in (0, 6, "x"):
        assert client.post(url(counted, "rate"), {"score": score}).status_code == 400


def test_no_rating_before_the_count(api, tree, voting):
    r = api.as_user(tree.resident1).post(url(voting, "rate"), {"score": 5})
    assert r.status_code == 409 and r.json()["error"]["code"] == "round_not_counted"
    assert Round.objects.get(pk=voting.pk).ratings.count() == 0

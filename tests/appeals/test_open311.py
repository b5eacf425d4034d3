"""Open311 GeoReport v2: public appeals only, no personal data, no login."""

from __future__ import annotations

import pytest

from appeals.models import Appeal

from .factories import make_appeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(tree):
    tree.resident1.set_phone("13900001111")
    tree.resident1.save()
    public = make_appeal(
        submitter=tree.resident1,
        is_public=True,
        category="facilities",
        title="路灯不亮",
        description="门口路灯坏了",
        address="3单元501室",
        location={"lat": "34.754321", "lng": "113.612345"},
    )
    private = make_appeal(submitter=tree.resident1, title="家里漏水")
    return public, private


def test_services_are_the_categories(api, db):
    response = api.get("/open311/v2/services.json")
    assert response.status_code == 200
    codes = [s["service_code"] for s in response.json()]
    assert codes == ["environment", "facilities", "neighbour", "safety", "property", "utilities", "policy", "other"]
    assert response.json()[0] | {"service_name": None} == {
        "service_code": "environment",
        "service_name": None,
        "description": "诉求类别：环境卫生",
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": "诉求",
    }


def test_requests_lists_public_appeals_without_personal_data(api, tree, published):
    public, _ = published
    response = api.get("/open311/v2/requests.json")
    assert response.status_code == 200
    (row,) = response.json()
    assert row["service_request_id"] == public.number
    assert (row["status"], row["service_code"], row["agency_responsible"]) == ("open", "facilities", tree.grid1.name)
    assert (row["lat"], row["long"]) == (34.754, 113.612)  # about 100 m, not the doorstep
    assert row["address"] == tree.micro1.name
    text = response.content.decode()
    for secret in ("3单元501室", "13900001111", tree.resident1.username, tree.resident1.nickname, "家里漏水"):
        assert secret not in text


def test_filters_and_status(api, tree, published):
    public, _ = published
    assert api.get("/open311/v2/requests.json?service_code=safety").json() == []
    assert len(api.get("/open311/v2/requests.json?service_code=facilities,safety").json()) == 1
    assert api.get("/open311/v2/requests.json?status=closed").json() == []
    Appeal.objects.filter(pk=public.pk).update(status="resolved")
    assert [r["status"] for r in api.get("/open311/v2/requests.json?status=closed").json()] == ["closed"]
    assert api.get("/open311/v2/requests.json?end_date=2020-01-01T00:00:00Z").json() == []
    assert len(api.get(f"/open311/v2/requests.json?service_request_id={public.number}").json()) == 1


def test_bad_filters_are_400_in_the_spec_shape(api, tree, published):
    response = api.get("/open311/v2/requests.json?status=pending")
    assert response.status_code == 400
    (error,) = response.json()
    assert error["code"] == 400 and "status" in error["description"]
    assert api.get("/open311/v2/requests.json?start_date=yesterday").status_code == 400


def test_one_request_is_a_list_of_one(api, tree, published):
    public, private = published
    response = api.get(f"/open311/v2/requests/{public.number}.json")
    assert response.status_code == 200 and len(response.json()) == 1
    assert api.get(f"/open311/v2/requests/{public.pk}.json").json()[0]["service_request_id"] == public.number
    missing = api.get(f"/open311/v2/requests/{private.number}.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404

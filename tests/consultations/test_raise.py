"""Raising a topic: verified residents of the unit's subtree or staff; micro to street only."""

from __future__ import annotations

import pytest

from notifications.models import Notification

from .conftest import ok, refused

pytestmark = pytest.mark.django_db

BODY = {"title": "增设快递柜", "body": "小区没有快递柜，老人取件不便。", "kind": "deep"}


def test_a_resident_raises_a_topic_at_their_micro_grid_or_above(api, tree):
    for unit in (tree.micro1, tree.grid1, tree.community1, tree.street1):
        body = ok(api.as_user(tree.resident1).post("/api/v1/consultations", {**BODY, "grid": unit.pk}), 201)
        assert body["status"] == "collecting" and body["kind"] == "deep" and body["level"] == unit.level
        assert [e["action"] for e in body["timeline"]] == ["create"]
    assert Notification.objects.filter(user=tree.worker1, message__event="consultation_raised").exists()


def test_staff_raise_topics_in_their_reach(api, tree):
    ok(api.as_user(tree.worker1).post("/api/v1/consultations", {**BODY, "grid": tree.micro21.pk}), 201)
    refused(api.as_user(tree.staff1).post("/api/v1/consultations", {**BODY, "grid": tree.micro2.pk}), 404)


def test_refusals(api, tree):
    resident = api.as_user(tree.resident1)
    refused(resident.post("/api/v1/consultations", {**BODY, "grid": tree.micro21.pk}), 404)  # a sibling unit
    refused(resident.post("/api/v1/consultations", {**BODY, "grid": tree.street2.pk}), 404)
    refused(
        api.as_user(tree.newcomer).post("/api/v1/consultations", {**BODY, "grid": tree.micro1.pk}), 403, "not_verified"
    )
    refused(resident.post("/api/v1/consultations", {**BODY, "grid": tree.district.pk}), 400, "bad_level")
    refused(resident.post("/api/v1/consultations", {**BODY, "grid": tree.dedicated1.pk}), 400, "bad_level")
    refused(resident.post("/api/v1/consultations", {**BODY, "grid": tree.micro1.pk, "title": ""}), 400)
    refused(resident.post("/api/v1/consultations", {**BODY, "grid": tree.micro1.pk, "body": "x" * 5001}), 400)
    refused(resident.post("/api/v1/consultations", {**BODY, "grid": tree.micro1.pk, "kind": "slow"}), 400)
    refused(resident.post("/api/v1/consultations", {**BODY, "grid": 999999}), 400)
    refused(
        resident.post("/api/v1/consultations", {**BODY, "grid": tree.micro1.pk, "attachments": [999999]}),
        400,
        "invalid_attachment",
    )


def test_filters(api, tree, raise_topic):
    quick = raise_topic(title="垃圾分类点太远")
    deep = raise_topic(kind="deep", grid=tree.grid1, title="加装电梯")
    client = api.as_user(tree.resident1)

    def ids(query: str) -> set[int]:
        return {r["id"] for r in ok(client.get(f"/api/v1/consultations?{query}"))["results"]}

    assert ids("kind=deep") == {deep["id"]}
    assert ids("q=垃圾") == {quick["id"]}
    assert ids(f"grid={tree.micro1.pk}") == {quick["id"]}
    assert ids(f"grid={tree.grid1.pk}") == {quick["id"], deep["id"]}
    assert ids("status=collecting&following=true") == {quick["id"], deep["id"]}
    assert ids("following=false") == set()
    refused(client.get("/api/v1/consultations?status=bogus"), 400)
    refused(client.get("/api/v1/consultations?grid=abc"), 400)


def test_a_retry_with_the_same_idempotency_key_raises_one_topic(api, tree):
    from consultations.models import Consultation

    client = api.as_user(tree.resident1)
    body = {**BODY, "grid": tree.micro1.pk}
    first = ok(client.post("/api/v1/consultations", body, HTTP_IDEMPOTENCY_KEY="c-1"), 201)
    again = client.post("/api/v1/consultations", body, HTTP_IDEMPOTENCY_KEY="c-1")
    assert again.status_code == 201 and again.json()["id"] == first["id"]
    assert Consultation.objects.filter(title=BODY["title"]).count() == 1

"""The content check of the core's texts: a topic (msgSecCheck scene 3) and an objection
(scene 2). Risky is refused and nothing is stored; review or WeChat unreachable holds the text
for moderation, seen by its author and staff only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.models import Consultation, ModerationLog, Objection

from .conftest import ok, refused, url

pytestmark = pytest.mark.django_db

TOPIC = {"title": "楼道堆物", "body": "三单元楼道堆满杂物。", "kind": "quick"}


def test_a_risky_topic_is_refused_and_nothing_is_stored(api, tree):
    body = refused(
        api.as_user(tree.resident1).post(
            "/api/v1/consultations", {**TOPIC, "grid": tree.micro1.pk, "body": "网络 赌场"}
        ),
        400,
        "content_rejected",
    )
    assert body["error"]["fields"]["label"] == ["20006"]
    assert not Consultation.objects.exists()


def test_wechat_scene_3_for_topics_and_risky_is_refused(api, tree, wechat):
    wechat.behaviour["verdicts"] = {"不堪": ("risky", 20002)}
    refused(
        api.as_user(tree.resident1).post("/api/v1/consultations", {**TOPIC, "grid": tree.micro1.pk, "body": "不堪"}),
        400,
        "content_rejected",
    )
    (call,) = wechat.calls("/wxa/msg_sec_check")
    assert call.json()["scene"] == 3 and call.json()["version"] == 2 and call.json()["openid"] == "o-resident1"
    assert not Consultation.objects.exists()


@pytest.mark.parametrize("failure", [{"verdicts": {"杂物": ("review", 20012)}}, {"sec_check_down": True}])
def test_review_or_unreachable_holds_the_topic(api, tree, wechat, neighbour, failure):
    wechat.behaviour.update(failure)
    body = ok(api.as_user(tree.resident1).post("/api/v1/consultations", {**TOPIC, "grid": tree.micro1.pk}), 201)
    assert body["moderation"] == "held"
    assert ModerationLog.objects.get(consultation_id=body["id"]).action == "hold"
    assert api.as_user(neighbour()).get(url("consultations", body["id"])).status_code == 404
    assert ok(api.as_user(neighbour()).get("/api/v1/consultations"))["results"] == []
    assert ok(api.as_user(tree.staff1).get(url("consultations", body["id"])))["moderation"] == "held"


def test_objections_are_checked_too(api, tree, topic, neighbour):
    Consultation.objects.filter(pk=topic["id"]).update(
        status="publicized", objection_ends=timezone.now() + timedelta(days=1)
    )
    path = url("consultations", topic["id"], "objections")
    refused(api.as_user(neighbour()).post(path, {"body": "网络 赌场"}), 400, "content_rejected")
    assert not Objection.objects.exists()


def test_a_held_objection_is_its_authors_alone(api, tree, topic, neighbour, wechat):
    wechat.behaviour["verdicts"] = {"异议": ("review", 20012)}
    Consultation.objects.filter(pk=topic["id"]).update(
        status="publicized", objection_ends=timezone.now() + timedelta(days=1)
    )
    objector = tree.resident1  # has an openid: msgSecCheck v2 needs the writer's
    held = ok(api.as_user(objector).post(url("consultations", topic["id"], "objections"), {"body": "我有异议"}), 201)
    assert held["status"] == "held"
    assert [o["id"] for o in ok(api.as_user(objector).get(url("consultations", topic["id"], "objections")))] == [
        held["id"]
    ]
    assert ok(api.as_user(neighbour()).get(url("consultations", topic["id"], "objections"))) == []

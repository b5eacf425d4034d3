"""Held topics and objections: the periodic re-check once WeChat answers again, and staff's
release or rejection over HTTP (scoped, logged with who did it, the author told)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.models import Consultation, ModerationLog, Objection
from consultations.tasks import recheck_held_texts
from notifications.models import Notification

from .conftest import ok, refused, url

pytestmark = pytest.mark.django_db


def _raise(api, tree, title: str) -> int:
    body = {"title": title, "body": f"{title}，请大家议一议。", "kind": "quick", "grid": tree.micro1.pk}
    return ok(api.as_user(tree.resident1).post("/api/v1/consultations", body), 201)["id"]


def _object(api, tree, topic: dict, text: str) -> int:
    return ok(api.as_user(tree.resident1).post(url("consultations", topic["id"], "objections"), {"body": text}), 201)[
        "id"
    ]


def _told(user, event: str) -> bool:
    return Notification.objects.filter(user=user, message__event=event).exists()


def test_held_topics_and_objections_are_rechecked_once_wechat_answers(api, tree, topic, wechat, neighbour):
    Consultation.objects.filter(pk=topic["id"]).update(
        status="publicized", objection_ends=timezone.now() + timedelta(days=1)
    )
    wechat.behaviour["sec_check_down"] = True
    fine, bad, doubtful = (_raise(api, tree, title) for title in ("路灯该修", "不堪入目", "值得商榷"))
    objection = _object(api, tree, topic, "公示内容不堪")
    assert set(
        Consultation.objects.filter(pk__in=[fine, bad, doubtful]).values_list("moderation_label", flat=True)
    ) == {"unreachable"}
    assert recheck_held_texts() == {"published": 0, "rejected": 0, "review": 0, "still_unreachable": 1}
    assert Consultation.objects.filter(moderation="held").count() == 3

    wechat.behaviour["sec_check_down"] = False
    wechat.behaviour["verdicts"] = {"不堪": ("risky", 20002), "商榷": ("review", 20012)}
    assert recheck_held_texts() == {"published": 1, "rejected": 2, "review": 1, "still_unreachable": 0}
    rows = {c.pk: c for c in Consultation.objects.all()}
    assert (rows[fine].moderation, rows[fine].moderation_label) == ("visible", "")
    assert rows[bad].moderation == "hidden"
    assert (rows[doubtful].moderation, rows[doubtful].moderation_label) == ("held", "20012")
    assert Objection.objects.get(pk=objection).status == "hidden"
    seen = {r["id"] for r in ok(api.as_user(neighbour()).get("/api/v1/consultations"))["results"]}
    assert fine in seen and bad not in seen and doubtful not in seen
    logs = ModerationLog.objects.filter(actor=None).exclude(action="hold")
    assert sorted(logs.values_list("action", flat=True)) == ["approve", "reject", "reject"]
    assert logs.get(objection_id=objection).action == "reject"
    assert _told(tree.resident1, "consultation_topic_released")
    assert _told(tree.resident1, "consultation_topic_rejected")
    assert _told(tree.resident1, "consultation_objection_rejected")
    assert recheck_held_texts() == {"published": 0, "rejected": 0, "review": 0, "still_unreachable": 0}


def test_staff_release_or_reject_a_held_topic(api, tree, wechat, neighbour):
    wechat.behaviour["verdicts"] = {"商榷": ("review", 20012)}
    first, second = _raise(api, tree, "值得商榷一"), _raise(api, tree, "值得商榷二")
    release, hide = url("consultations", first, "release"), url("consultations", second, "hide")
    refused(api.as_user(tree.staff2).post(release), 404)
    refused(api.as_user(tree.staff2).post(hide, {"reason": "x"}), 404)
    refused(api.as_user(neighbour()).post(release), 404)  # a held topic is not theirs to see
    refused(api.as_user(tree.resident1).post(release), 403, "not_staff")  # its author sees it
    refused(api.as_user(tree.resident1).post(hide, {}), 403, "not_staff")  # authorization first
    refused(api.as_user(tree.staff1).post(hide, {}), 400, "reason_required")
    refused(api.as_user(tree.staff1).post(hide, {"reason": "长" * 201}), 400, "invalid")

    assert ok(api.as_user(tree.staff1).post(release))["moderation"] == "visible"
    assert ok(api.as_user(tree.staff1).post(hide, {"reason": "与本网格无关"}))["moderation"] == "hidden"
    refused(api.as_user(tree.staff1).post(release), 409, "not_held")
    refused(api.as_user(tree.staff1).post(hide, {"reason": "again"}), 409, "not_held")
    assert set(ModerationLog.objects.exclude(action="hold").values_list("consultation_id", "action", "actor")) == {
        (first, "approve", tree.staff1.pk),
        (second, "reject", tree.staff1.pk),
    }
    assert ModerationLog.objects.get(consultation_id=second, action="reject").reason == "与本网格无关"
    assert _told(tree.resident1, "consultation_topic_released")
    assert _told(tree.resident1, "consultation_topic_rejected")
    assert _told(tree.staff1, "consultation_raised")  # the released topic reaches its staff now
    seen = {r["id"] for r in ok(api.as_user(neighbour()).get("/api/v1/consultations"))["results"]}
    assert seen == {first}
    counts = ok(api.as_user(tree.staff1).get("/api/v1/moderation/queue"))["counts"]
    assert counts["consultations_held"] == 0


def test_staff_release_or_reject_a_held_objection(api, tree, topic, wechat, neighbour):
    Consultation.objects.filter(pk=topic["id"]).update(
        status="publicized", objection_ends=timezone.now() + timedelta(days=1)
    )
    wechat.behaviour["verdicts"] = {"商榷": ("review", 20012)}
    first, second = _object(api, tree, topic, "值得商榷一"), _object(api, tree, topic, "值得商榷二")
    assert ok(api.as_user(tree.staff1).get("/api/v1/moderation/queue"))["counts"]["objections_held"] == 2
    release, hide = f"/api/v1/objections/{first}/release", f"/api/v1/objections/{second}/hide"
    refused(api.as_user(tree.staff2).post(release), 404)
    refused(api.as_user(tree.staff2).post(hide, {"reason": "x"}), 404)
    refused(api.as_user(neighbour()).post(hide, {}), 403, "not_staff")
    refused(api.as_user(tree.staff1).post(hide, {"reason": " "}), 400, "reason_required")

    assert ok(api.as_user(tree.staff1).post(release))["status"] == "visible"
    assert ok(api.as_user(tree.staff1).post(hide, {"reason": "重复"}))["status"] == "hidden"
    refused(api.as_user(tree.staff1).post(release), 409, "not_held")
    assert set(ModerationLog.objects.exclude(action="hold").values_list("objection_id", "action", "actor")) == {
        (first, "approve", tree.staff1.pk),
        (second, "reject", tree.staff1.pk),
    }
    assert _told(tree.resident1, "consultation_objection_released")
    assert _told(tree.resident1, "consultation_objection_rejected")
    seen = [o["id"] for o in ok(api.as_user(neighbour()).get(url("consultations", topic["id"], "objections")))]
    assert seen == [first]
    assert ok(api.as_user(tree.staff1).get("/api/v1/moderation/queue"))["counts"]["objections_held"] == 0

"""After the meeting: the published resolution and its objection window, staff answers,
progress, and the participants' evaluation, each success beside its refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from consultations.models import Consultation

from .conftest import ok, refused, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def publicized(api: Any, tree: Any, attendees: list[Any], meeting: dict[str, Any]) -> dict[str, Any]:
    return ok(
        api.as_user(tree.staff1).post(url("consultations", meeting["consultation"], "close"), {"resolution": "划线"})
    )


def test_close_is_staff_only_needs_a_resolution_and_a_meeting_held(api, tree, topic, attendees, meeting):
    cid = meeting["consultation"]
    refused(api.as_user(tree.resident1).post(url("consultations", cid, "close"), {"resolution": "x"}), 403, "not_staff")
    refused(api.as_user(tree.staff1).post(url("consultations", cid, "close"), {"resolution": ""}), 400)
    body = ok(api.as_user(tree.staff1).post(url("consultations", cid, "close"), {"resolution": "划线"}))
    window = body["resolution"]
    assert window["objection_ends"] > window["publicized_at"]
    refused(
        api.as_user(tree.staff1).post(url("consultations", cid, "close"), {"resolution": "again"}),
        409,
        "illegal_transition",
    )


@pytest.mark.parametrize(
    ("state", "who", "action", "body", "code"),
    [
        ("in_review", "staff1", "close", {"resolution": "x"}, "illegal_transition"),  # before the meeting
        ("topic", "resident1", "objections", {"body": "x"}, "objection_window_closed"),  # before publicity
    ],
    ids=["close_before_the_meeting", "objection_before_publicity"],
)
def test_too_early_is_409(request, api, tree, state, who, action, body, code):
    consultation = request.getfixturevalue(state)
    refused(api.as_user(getattr(tree, who)).post(url("consultations", consultation["id"], action), body), 409, code)


def test_objections_within_the_window_by_residents(api, tree, publicized, neighbour):
    cid = publicized["id"]
    body = ok(api.as_user(neighbour()).post(url("consultations", cid, "objections"), {"body": "有异议"}), 201)
    assert body["status"] == "visible" and body["answer"] == ""
    refused(api.as_user(tree.staff1).post(url("consultations", cid, "objections"), {"body": "x"}), 403, "not_verified")
    refused(api.as_user(neighbour()).post(url("consultations", cid, "objections"), {"body": ""}), 400)
    Consultation.objects.filter(pk=cid).update(objection_ends=timezone.now() - timedelta(seconds=1))
    refused(
        api.as_user(neighbour()).post(url("consultations", cid, "objections"), {"body": "晚了"}),
        409,
        "objection_window_closed",
    )
    assert len(ok(api.as_user(tree.resident1).get(url("consultations", cid, "objections")))) == 1


def test_staff_answer_each_objection_once(api, tree, publicized, neighbour):
    objection = ok(
        api.as_user(neighbour()).post(url("consultations", publicized["id"], "objections"), {"body": "有异议"}), 201
    )
    path = url("objections", objection["id"], "answer")
    refused(api.as_user(tree.resident1).post(path, {"body": "x"}), 403, "not_staff")
    refused(api.as_user(tree.staff1).post(path, {"body": ""}), 400)
    assert ok(api.as_user(tree.staff1).post(path, {"body": "已答复"}))["answer"] == "已答复"
    refused(api.as_user(tree.staff1).post(path, {"body": "again"}), 409, "already_answered")


def test_progress_waits_for_the_window_and_the_answers(api, tree, publicized, neighbour):
    cid = publicized["id"]
    staff = api.as_user(tree.staff1)
    report = {"content": "开工", "percent": 10}
    refused(staff.post(url("consultations", cid, "progress"), report), 409, "objection_window_open")
    ok(api.as_user(neighbour()).post(url("consultations", cid, "objections"), {"body": "有异议"}), 201)
    Consultation.objects.filter(pk=cid).update(objection_ends=timezone.now() - timedelta(seconds=1))
    refused(staff.post(url("consultations", cid, "progress"), report), 409, "objections_unanswered")
    refused(api.as_user(tree.resident1).post(url("consultations", cid, "progress"), report), 403, "not_staff")
    refused(staff.post(url("consultations", cid, "progress"), {"content": "x", "percent": 101}), 400)


def test_progress_of_a_collecting_topic_is_409(api, tree, topic):
    refused(
        api.as_user(tree.staff1).post(url("consultations", topic["id"], "progress"), {"content": "x", "percent": 5}),
        409,
        "illegal_transition",
    )


def test_evaluation_by_participants_once(api, tree, topic, attendees, neighbour):
    cid = topic["id"]
    Consultation.objects.filter(pk=cid).update(status="evaluating", evaluation_round=1)
    refused(
        api.as_user(neighbour()).post(url("consultations", cid, "evaluate"), {"score": 5, "satisfied": True}),
        403,
        "not_participant",
    )
    refused(api.as_user(attendees[1]).post(url("consultations", cid, "evaluate"), {"score": 6, "satisfied": True}), 400)
    ok(api.as_user(attendees[1]).post(url("consultations", cid, "evaluate"), {"score": 3, "satisfied": False}))
    refused(
        api.as_user(attendees[1]).post(url("consultations", cid, "evaluate"), {"score": 3, "satisfied": False}),
        409,
        "already_evaluated",
    )


def test_evaluation_outside_evaluating_is_409(api, tree, topic):
    refused(
        api.as_user(tree.resident1).post(
            url("consultations", topic["id"], "evaluate"), {"score": 5, "satisfied": True}
        ),
        409,
        "illegal_transition",
    )

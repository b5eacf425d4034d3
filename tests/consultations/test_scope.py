"""Scope: outside the topic's subtree (residents elsewhere, staff of another street, people
with no home) every endpoint answers 404, in lists, details, meetings, motions and actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from consultations import services
from consultations.models import Consultation

from .conftest import ok, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree: Any, topic: dict[str, Any]) -> dict[str, int]:
    """A topic of micro1 with a meeting, a motion and an objection."""
    consultation = Consultation.objects.get(pk=topic["id"])
    meeting = services.do_schedule_meeting(
        consultation=consultation,
        actor=tree.staff1,
        scheduled_at=timezone.now() + timedelta(days=1),
        place="架空层",
        agenda=[],
    )
    motion = services.do_open_motion(meeting=meeting, actor=tree.staff1, text="表决")
    Consultation.objects.filter(pk=topic["id"]).update(
        status="publicized", objection_ends=timezone.now() + timedelta(days=1)
    )
    objection = services.do_object_consultation(consultation=consultation, actor=tree.resident1, body="异议")
    return {"consultation": topic["id"], "meeting": meeting.pk, "motion": motion.pk, "objection": objection.pk}


ENDPOINTS = [
    ("get", "consultations", ""),
    ("post", "consultations", "support"),
    ("delete", "consultations", "support"),
    ("post", "consultations", "follow"),
    ("delete", "consultations", "follow"),
    ("post", "consultations", "review"),
    ("post", "consultations", "meetings"),
    ("post", "consultations", "close"),
    ("post", "consultations", "no-consensus"),
    ("post", "consultations", "escalate"),
    ("post", "consultations", "end"),
    ("get", "consultations", "objections"),
    ("post", "consultations", "objections"),
    ("post", "consultations", "progress"),
    ("post", "consultations", "evaluate"),
    ("get", "meetings", ""),
    ("post", "meetings", "register"),
    ("post", "meetings", "check-in"),
    ("post", "meetings", "motions"),
    ("post", "meetings", "minutes"),
    ("post", "meetings", "minutes/approve"),
    ("post", "motions", "vote"),
    ("post", "motions", "close"),
    ("post", "objections", "answer"),
]
OBJECT = {"consultations": "consultation", "meetings": "meeting", "motions": "motion", "objections": "objection"}


@pytest.mark.parametrize("outsider", ["resident2", "staff2", "newcomer", "sibling_micro_resident"])
@pytest.mark.parametrize(("method", "kind", "action"), ENDPOINTS)
def test_outsiders_get_404_everywhere(api, tree, world, neighbour, outsider, method, kind, action):
    who = neighbour(grid=tree.micro21) if outsider == "sibling_micro_resident" else getattr(tree, outsider)
    client = api.as_user(who)
    response = getattr(client, method)(url(kind, world[OBJECT[kind]], action), {})
    assert response.status_code == 404, (outsider, method, kind, action, response.content)
    assert response.json()["error"]["code"] == "not_found"


def test_lists_hold_only_what_the_caller_sees(api, tree, world, raise_topic, neighbour):
    street_topic = raise_topic(user=tree.staff2, grid=tree.street2, title="第二街道议题")
    mine = {r["id"] for r in ok(api.as_user(tree.resident1).get("/api/v1/consultations"))["results"]}
    assert mine == {world["consultation"]}
    theirs = {r["id"] for r in ok(api.as_user(tree.resident2).get("/api/v1/consultations"))["results"]}
    assert theirs == {street_topic["id"]}
    assert {r["id"] for r in ok(api.as_user(tree.admin).get("/api/v1/consultations"))["results"]} == mine | theirs
    assert ok(api.as_user(neighbour(grid=tree.micro21)).get("/api/v1/consultations"))["results"] == []
    assert ok(api.as_user(tree.newcomer).get("/api/v1/consultations"))["results"] == []


def test_anonymous_callers_get_401(api, world):
    assert api.get("/api/v1/consultations").status_code == 401
    assert api.get(url("consultations", world["consultation"])).status_code == 401


def test_a_held_topic_is_seen_by_its_author_and_staff_only(api, tree, world, neighbour):
    Consultation.objects.filter(pk=world["consultation"]).update(moderation="held")
    assert api.as_user(neighbour()).get(url("consultations", world["consultation"])).status_code == 404
    assert ok(api.as_user(tree.resident1).get(url("consultations", world["consultation"])))["id"]
    assert ok(api.as_user(tree.worker1).get(url("consultations", world["consultation"])))["id"]

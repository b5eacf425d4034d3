"""Deadlines (settings): a quick topic is decided within 48 hours, a deep one meets within 5
working days of review; the periodic task enforces them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from consultations.models import Consultation
from consultations.tasks import enforce_deadlines
from notifications.models import Notification

from .conftest import ok, url

pytestmark = pytest.mark.django_db


def test_the_task_is_on_the_beat_schedule():
    from backend.settings.redis import CELERY_BEAT_SCHEDULE

    assert CELERY_BEAT_SCHEDULE["consultations-deadlines"]["task"] == "consultations.tasks.enforce_deadlines"


def test_an_undecided_quick_topic_goes_to_review_flagged_once(api, tree, topic):
    row = Consultation.objects.get(pk=topic["id"])
    assert row.decide_by == row.created_at + timedelta(hours=settings.CONSULTATION_QUICK_DECIDE_HOURS)
    assert enforce_deadlines(now=row.decide_by - timedelta(minutes=1))["quick_overdue"] == 0
    assert enforce_deadlines(now=(row.decide_by + timedelta(minutes=1)).isoformat())["quick_overdue"] == 1
    row.refresh_from_db()
    assert row.status == "review" and row.is_overdue
    assert Notification.objects.filter(user=tree.worker1, message__event="consultation_overdue").exists()
    assert enforce_deadlines(now=row.decide_by + timedelta(hours=1))["quick_overdue"] == 0
    assert ok(api.as_user(tree.staff1).get("/api/v1/consultations?overdue=true"))["results"][0]["id"] == row.pk


def test_a_decided_quick_topic_is_left_alone(api, tree, topic):
    ok(
        api.as_user(tree.staff1).post(
            url("consultations", topic["id"], "review"), {"decision": "reject", "reason": "重复"}
        )
    )
    row = Consultation.objects.get(pk=topic["id"])
    assert enforce_deadlines(now=row.decide_by + timedelta(hours=1))["quick_overdue"] == 0


def test_a_deep_topic_without_a_meeting_held_in_five_working_days_is_flagged(api, tree, raise_topic):
    topic = raise_topic(kind="deep")
    body = ok(api.as_user(tree.staff1).post(url("consultations", topic["id"], "take-up")))
    row = Consultation.objects.get(pk=topic["id"])
    assert body["status"] == "review" and row.decide_by is None
    assert (row.meet_by - row.reviewed_at) >= timedelta(days=5)  # working days skip the weekend
    assert enforce_deadlines(now=row.meet_by - timedelta(minutes=1))["deep_overdue"] == 0
    assert enforce_deadlines(now=row.meet_by + timedelta(minutes=1))["deep_overdue"] == 1
    row.refresh_from_db()
    assert row.is_overdue and row.status == "review"
    assert row.timeline.filter(action="overdue").count() == 1


def test_a_deep_topic_whose_meeting_was_held_is_not_flagged(api, tree, raise_topic):
    topic = raise_topic(kind="deep")
    staff = api.as_user(tree.staff1)
    when = (timezone.now() + timedelta(hours=1)).isoformat()
    meeting = ok(
        staff.post(url("consultations", topic["id"], "meetings"), {"scheduled_at": when, "place": "议事厅"}), 201
    )
    ok(api.as_user(tree.resident1).post(url("meetings", meeting["id"], "check-in"), {"code": meeting["check_in_code"]}))
    row = Consultation.objects.get(pk=topic["id"])
    assert row.status == "deliberating"
    assert enforce_deadlines(now=row.meet_by + timedelta(days=1))["deep_overdue"] == 0


def test_take_up_is_staff_only_and_once(api, tree, topic):
    assert api.as_user(tree.resident1).post(url("consultations", topic["id"], "take-up")).status_code == 403
    ok(api.as_user(tree.staff1).post(url("consultations", topic["id"], "take-up")))
    assert api.as_user(tree.staff1).post(url("consultations", topic["id"], "take-up")).status_code == 409

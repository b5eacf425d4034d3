"""Deadlines: due dates from settings, and the periodic task run with the clock moved forward
(escalate the unaccepted, flag the overdue, close the unrated), idempotent and safe twice at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from appeals import tasks
from appeals.deadlines import add_working_days, due_dates, limits_for
from appeals.models import Appeal, AppealEvent

from .factories import make_appeal, run_at_once

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_working_days_skip_the_weekend():
    friday = at(2026, 11, 27, 10, 30)
    assert add_working_days(friday, 1) == at(2026, 11, 30, 10, 30)  # Monday
    assert add_working_days(friday, 5) == at(2026, 12, 4, 10, 30)
    assert add_working_days(at(2026, 11, 28, 9), 1) == at(2026, 11, 30, 9)  # Saturday -> Monday
    assert add_working_days(at(2026, 11, 23, 9), 2) == at(2026, 11, 25, 9)


def test_limits_per_category_and_level(settings):
    assert limits_for("safety", "grid").accept_hours == 2
    assert limits_for("facilities", "grid").resolve_days == 7
    assert limits_for("facilities", "district").resolve_days == 15
    assert limits_for("unknown", "grid").resolve_days == settings.APPEAL_DEADLINES["default"]["resolve_days"]
    accept_due, due = due_dates(category="safety", level="grid", start=at(2026, 11, 27, 10))
    assert (accept_due, due) == (at(2026, 11, 27, 12), at(2026, 12, 1, 10))


@pytest.mark.django_db
def test_submit_sets_due_dates_from_settings(tree):
    now = at(2026, 11, 25, 9)
    appeal = make_appeal(submitter=tree.resident1, category="utilities", now=now)
    assert appeal.accept_due_at == now + timedelta(hours=4)
    assert appeal.due_at == at(2026, 11, 30, 9)  # 3 working days from Wednesday
    assert appeal.number.startswith("SQ20261125-")


@pytest.mark.django_db
def test_unaccepted_appeals_climb_one_level_per_missed_deadline(tree):
    start = at(2026, 11, 25, 9)
    appeal = make_appeal(submitter=tree.resident1, category="environment", now=start)  # 24 h to accept
    assert tasks.enforce_deadlines(now=start + timedelta(hours=23))["escalated"] == 0
    first = start + timedelta(hours=25)
    assert tasks.enforce_deadlines(now=first)["escalated"] == 1
    appeal.refresh_from_db()
    assert (appeal.status, appeal.handling_grid_id, appeal.level) == ("submitted", tree.community1.pk, "community")
    assert appeal.accept_due_at == first + timedelta(hours=24)
    event = AppealEvent.objects.filter(appeal=appeal, action="escalate").get()
    assert event.actor is None and event.from_grid == tree.grid1 and event.to_grid == tree.community1

    # Running again at the same moment changes nothing.
    assert tasks.enforce_deadlines(now=first) == {"escalated": 0, "overdue": 0, "closed": 0}
    assert AppealEvent.objects.filter(appeal=appeal, action="escalate").count() == 1

    second = first + timedelta(hours=25)
    third = second + timedelta(hours=25)
    tasks.enforce_deadlines(now=second)
    tasks.enforce_deadlines(now=third)
    appeal.refresh_from_db()
    assert appeal.level == "district" and appeal.escalations == 3
    # Not above the district: missing its accept deadline there flags the appeal instead.
    later = third + timedelta(hours=49)
    assert tasks.enforce_deadlines(now=later) == {"escalated": 0, "overdue": 1, "closed": 0}
    appeal.refresh_from_db()
    assert appeal.level == "district" and appeal.is_overdue and appeal.overdue_at == later


@pytest.mark.django_db
def test_accepted_but_late_appeals_are_flagged_overdue_once(api, tree, accepted):
    late = accepted.due_at + timedelta(minutes=1)
    assert tasks.enforce_deadlines(now=accepted.due_at - timedelta(minutes=1))["overdue"] == 0
    assert tasks.enforce_deadlines(now=late)["overdue"] == 1
    assert tasks.enforce_deadlines(now=late + timedelta(hours=1))["overdue"] == 0
    accepted.refresh_from_db()
    assert accepted.is_overdue and accepted.overdue_at == late and accepted.status == "accepted"
    assert AppealEvent.objects.filter(appeal=accepted, action="overdue").count() == 1
    queue = api.as_user(tree.worker1).get("/api/v1/appeals?overdue=true").json()["results"]
    assert [row["id"] for row in queue] == [accepted.pk]
    assert queue[0]["is_overdue"] is True


@pytest.mark.django_db
def test_resolved_appeals_left_unrated_close_after_seven_days(api, tree, resolved):
    assert tasks.enforce_deadlines(now=resolved.resolved_at + timedelta(days=6, hours=23))["closed"] == 0
    later = resolved.resolved_at + timedelta(days=7, minutes=1)
    assert tasks.enforce_deadlines(now=later)["closed"] == 1
    assert tasks.enforce_deadlines(now=later)["closed"] == 0
    body = api.as_user(tree.resident1).get(f"/api/v1/appeals/{resolved.pk}").json()
    assert body["status"] == "closed" and body["score"] is None
    assert body["timeline"][-1]["action"] == "autoclose" and body["timeline"][-1]["actor"] is None
    # Closed by time: rating is no longer possible.
    assert api.as_user(tree.resident1).post(f"/api/v1/appeals/{resolved.pk}/rate", {"score": 3}).status_code == 409


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_escalate_each_appeal_once(tree):
    start = at(2026, 11, 25, 9)
    appeals = [make_appeal(submitter=tree.resident1, now=start, title=f"第{i}件") for i in range(30)]
    now = start + timedelta(hours=25)
    results = run_at_once(lambda: tasks.enforce_deadlines(now=now), threads=2)
    assert sum(r["escalated"] for r in results) == 30
    assert set(Appeal.objects.filter(pk__in=[a.pk for a in appeals]).values_list("level", "escalations")) == {
        ("community", 1)
    }
    assert AppealEvent.objects.filter(action="escalate").count() == 30

"""Periodic work with the clock moved forward: overdue cases are flagged once and their team
lead and street staff told; mediators are reminded once before each session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from backend.celery import app
from mediation.models import Case, CaseEvent, Session
from mediation.tasks import flag_overdue_cases, remind_upcoming_sessions

pytestmark = pytest.mark.django_db


def test_the_tasks_are_registered_and_scheduled():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ["mediation.tasks.flag_overdue_cases", "mediation.tasks.remind_upcoming_sessions"]:
        assert name in tasks
        assert name in app.tasks


def test_overdue_cases_are_flagged_once_and_told(tree, teams, make_case, sent):
    start = timezone.now()
    late = make_case("accepted", now=start)
    mediating = make_case("mediating", now=start)
    done = make_case("agreed", now=start)  # an outcome stops the clock
    fresh = make_case("accepted", now=start + timedelta(days=10))
    due = late.due_at
    assert due == start + timedelta(days=30)
    sent.clear()

    assert flag_overdue_cases(now=due - timedelta(minutes=1)) == 0
    assert flag_overdue_cases.apply(kwargs={"now": due + timedelta(hours=1)}).get() == 2
    flagged = set(Case.objects.filter(is_overdue=True).values_list("pk", flat=True))
    assert flagged == {late.pk, mediating.pk}
    assert not Case.objects.get(pk=done.pk).is_overdue and not Case.objects.get(pk=fresh.pk).is_overdue
    assert CaseEvent.objects.filter(action="overdue").count() == 2
    # The team's lead and the street's staff, not the other street nor the district admin.
    assert sent.to(teams.lead1) == ["mediation_case_overdue"] * 2
    assert sent.to(tree.staff1) == ["mediation_case_overdue"] * 2
    assert sent.to(tree.staff2) == [] and sent.to(tree.admin) == [] and sent.to(teams.med1) == []

    # Idempotent: run again (and later), nothing new.
    assert flag_overdue_cases(now=due + timedelta(hours=2)) == 0
    assert len(sent.calls) == 2
    assert flag_overdue_cases(now=due + timedelta(days=11)) == 1  # `fresh` now
    case = Case.objects.get(pk=late.pk)
    assert case.overdue_at == due + timedelta(hours=1)


def test_overdue_shows_in_the_list_and_on_the_case(api, tree, teams, make_case):
    case = make_case("accepted")
    flag_overdue_cases(now=case.due_at + timedelta(seconds=1))
    listed = api.as_user(tree.staff1).get("/api/v1/mediation/cases?overdue=true").json()["results"]
    assert [c["id"] for c in listed] == [case.pk] and listed[0]["is_overdue"] is True
    timeline = api.as_user(teams.med1).get(f"/api/v1/mediation/cases/{case.pk}").json()["timeline"]
    assert timeline[-1]["action"] == "overdue"


def test_mediators_are_reminded_once_before_a_session(tree, teams, make_case, sent):
    start = timezone.now()
    case = make_case("mediating", now=start)  # its session is at start + 2 days
    session = Session.objects.get(case=case)
    sent.clear()
    assert remind_upcoming_sessions(now=start) == 0  # 48 hours ahead: not yet
    assert remind_upcoming_sessions(now=session.scheduled_at - timedelta(hours=20)) == 1
    assert sent.to(teams.med1) == ["mediation_session_reminder"]
    assert sent.to(teams.med2) == ["mediation_session_reminder"]
    assert sent.calls[0]["context"]["place"] == "社区调解室"
    assert remind_upcoming_sessions(now=session.scheduled_at - timedelta(hours=1)) == 0
    assert len(sent.calls) == 1


def test_recorded_and_cancelled_sessions_are_not_reminded(tree, teams, make_case, sent):
    from mediation import services

    start = timezone.now()
    recorded = make_case("mediating", now=start)
    services.session_record(case=recorded, session_id=recorded.sessions.get().pk, actor=teams.med1, notes="提前调解")
    escalated = make_case("mediating", now=start)
    services.case_escalate(case=escalated, actor=teams.med1, reason="升级")
    assert remind_upcoming_sessions(now=start + timedelta(days=1, hours=12)) == 0

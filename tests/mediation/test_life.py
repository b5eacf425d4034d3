"""The whole life of a case through HTTP: apply, accept, sessions, agreement or failure,
follow-up, closing; escalation to a team one level up; the timeline and who was told."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from mediation.models import Case, Session

from .conftest import PHONE, case_body

pytestmark = pytest.mark.django_db

CASES = "/api/v1/mediation/cases"


def _post(api, user, path, body=None):
    return api.as_user(user).post(path, body or {})


def test_a_case_from_application_to_closing(api, tree, teams, sent):
    resident, staff, med1 = tree.resident1, tree.staff1, teams.med1

    applied = _post(api, resident, CASES, case_body())
    assert applied.status_code == 201, applied.content
    case = applied.json()
    cid = case["id"]
    assert case["status"] == "applied" and case["source"] == "resident"
    assert case["grid"] == tree.micro1.pk and case["number"].startswith("TJ")
    assert case["parties"][0]["user"] == resident.pk  # the resident is the first applicant
    assert sent.to(resident) == ["mediation_case_applied"]

    accepted = _post(api, staff, f"{CASES}/{cid}/accept", {"team": teams.community.pk, "mediators": [med1.pk]})
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert body["status"] == "accepted" and body["team"] == teams.community.pk
    assert [m["id"] for m in body["mediators"]] == [med1.pk]
    due = datetime.fromisoformat(body["due_at"])
    assert timedelta(days=29, hours=23) < due - timezone.now() <= timedelta(days=30)
    assert "mediation_case_assigned" in sent.to(med1)

    when = (timezone.now() + timedelta(days=3)).isoformat()
    scheduled = _post(api, med1, f"{CASES}/{cid}/sessions", {"scheduled_at": when, "place": "社区调解室"})
    assert scheduled.status_code == 201, scheduled.content
    body = scheduled.json()
    assert body["status"] == "mediating"
    (session,) = body["sessions"]
    assert session["place"] == "社区调解室" and body["next_session_at"] == session["scheduled_at"]

    recorded = _post(api, med1, f"{CASES}/{cid}/sessions/{session['id']}/record", {"notes": "双方陈述，初步同意维修。"})
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["sessions"][0]["recorded_at"] and recorded.json()["next_session_at"] is None

    agreed = _post(api, med1, f"{CASES}/{cid}/agreement", {"terms": "楼上住户七日内维修防水层，承担费用。"})
    assert agreed.status_code == 200, agreed.content
    assert agreed.json()["status"] == "agreed" and agreed.json()["outcome"] == "agreed"
    assert agreed.json()["agreement"]["terms"].startswith("楼上住户")

    closed = _post(api, med1, f"{CASES}/{cid}/follow-up", {"notes": "回访：已维修。", "fulfilled": True})
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert body["status"] == "closed" and body["closed_at"]
    assert body["follow_ups"][0]["fulfilled"] is True
    assert body["actions"] == []

    timeline = [(e["action"], e["from_status"], e["to_status"]) for e in body["timeline"]]
    assert timeline == [
        ("apply", "", "applied"),
        ("accept", "applied", "accepted"),
        ("schedule", "accepted", "mediating"),
        ("record", "mediating", "mediating"),
        ("agree", "mediating", "agreed"),
        ("follow_up", "agreed", "closed"),
    ]
    assert body["timeline"][1]["actor"] == staff.pk
    # The applicant heard of every change of state.
    assert sent.to(resident) == [
        "mediation_case_applied",
        "mediation_case_accepted",
        "mediation_session_scheduled",
        "mediation_case_agreed",
        "mediation_case_closed",
    ]
    # The resident follows it on their own list and page.
    mine = api.as_user(resident).get(CASES)
    assert [c["id"] for c in mine.json()["results"]] == [cid]
    assert api.as_user(resident).get(f"{CASES}/{cid}").json()["status"] == "closed"


def test_a_failed_mediation_is_referred_then_closed(api, tree, teams, make_case, sent):
    case = make_case("mediating")
    failed = _post(api, teams.med2, f"{CASES}/{case.pk}/fail", {"reason": "赔偿金额分歧过大", "referral": "court"})
    assert failed.status_code == 200, failed.content
    assert failed.json()["status"] == "failed" and failed.json()["referral"] == "court"
    assert "mediation_case_failed" in sent.to(tree.resident1)
    closed = _post(api, teams.med2, f"{CASES}/{case.pk}/follow-up", {"notes": "已告知起诉途径", "fulfilled": False})
    assert closed.json()["status"] == "closed"


def test_staff_registers_a_dispute_they_found(api, tree, teams):
    response = _post(api, tree.worker1, CASES, case_body(grid=tree.micro21.pk, category="property"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source"] == "staff" and body["grid"] == tree.micro21.pk
    # A party whose phone belongs to an account is that user: resident1 can follow the case.
    assert body["parties"][0]["user"] == tree.resident1.pk
    assert api.as_user(tree.resident1).get(f"{CASES}/{body['id']}").status_code == 200
    assert api.as_user(tree.worker1).get(f"{CASES}/{body['id']}").status_code == 200  # who registered it


def test_a_resident_applies_to_a_named_team_whose_lead_accepts(api, tree, teams, sent):
    applied = _post(api, tree.resident1, CASES, case_body(team=teams.community.pk))
    assert applied.status_code == 201, applied.content
    cid = applied.json()["id"]
    assert "mediation_case_offered" in sent.to(teams.lead1)
    # Its members see the offered case; the lead accepts it for the team.
    assert api.as_user(teams.med2).get(f"{CASES}/{cid}").status_code == 200
    accepted = _post(
        api, teams.lead1, f"{CASES}/{cid}/accept", {"team": teams.community.pk, "mediators": [teams.med2.pk]}
    )
    assert accepted.status_code == 200, accepted.content
    # ...but not for another team.
    other = _post(api, tree.resident1, CASES, case_body(team=teams.community.pk)).json()["id"]
    refused = _post(
        api, teams.lead1, f"{CASES}/{other}/accept", {"team": teams.street.pk, "mediators": [teams.med_s.pk]}
    )
    assert refused.status_code == 403


def test_escalation_hands_the_case_to_the_team_one_level_up(api, tree, teams, make_case, sent):
    case = make_case("mediating")
    old_session = case.sessions.get()
    response = _post(api, teams.med1, f"{CASES}/{case.pk}/escalate", {"reason": "涉及多户，需街道协调"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "applied" and body["team"] == teams.street.pk
    assert body["mediators"] == [] and body["due_at"] is None
    assert Session.objects.get(pk=old_session.pk).cancelled_at is not None
    assert "mediation_case_offered" in sent.to(teams.lead_s)
    assert "mediation_case_escalated" in sent.to(tree.resident1)
    assert "mediation_case_escalated" in sent.to(teams.med1)
    # The old team no longer sees it; the street team does and accepts it anew.
    assert api.as_user(teams.med1).get(f"{CASES}/{case.pk}").status_code == 404
    accepted = _post(
        api, teams.lead_s, f"{CASES}/{case.pk}/accept", {"team": teams.street.pk, "mediators": [teams.med_s.pk]}
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted" and accepted.json()["due_at"]
    timeline = [e["action"] for e in accepted.json()["timeline"]]
    assert timeline == ["apply", "accept", "schedule", "escalate", "accept"]


def test_escalation_needs_a_team_above(api, tree, teams, make_case):
    case = make_case("accepted")
    # Naming a team that is not above the current one: 400.
    wrong = _post(api, teams.med1, f"{CASES}/{case.pk}/escalate", {"reason": "x", "team": teams.other.pk})
    assert wrong.status_code == 400 and "team" in wrong.json()["error"]["fields"]
    # Up to the street team, then nothing is above it: 409.
    assert _post(api, teams.med1, f"{CASES}/{case.pk}/escalate", {"reason": "x"}).status_code == 200
    _post(api, tree.staff1, f"{CASES}/{case.pk}/accept", {"team": teams.street.pk, "mediators": [teams.med_s.pk]})
    top = _post(api, teams.med_s, f"{CASES}/{case.pk}/escalate", {"reason": "x"})
    assert top.status_code == 409 and top.json()["error"]["code"] == "no_higher_team"
    assert Case.objects.get(pk=case.pk).status == "accepted"


def test_decline_with_reason(api, tree, teams, make_case, sent):
    case = make_case("applied")
    response = _post(api, tree.staff1, f"{CASES}/{case.pk}/decline", {"reason": "已进入诉讼程序"})
    assert response.status_code == 200
    assert response.json()["status"] == "declined" and response.json()["decline_reason"] == "已进入诉讼程序"
    assert sent.to(tree.resident1)[-1] == "mediation_case_declined"
    assert PHONE not in str(sent.calls)  # no phone numbers in notification contexts

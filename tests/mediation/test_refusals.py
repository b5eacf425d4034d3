"""Refusals: out of scope (404), not allowed (403), wrong state (409), bad input (400), each
changing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mediation.models import Case, CaseEvent, Party

from .conftest import case_body

pytestmark = pytest.mark.django_db

CASES = "/api/v1/mediation/cases"


# --- 404: outside the caller's scope -------------------------------------------------------


@pytest.mark.parametrize("who", ["resident2", "staff2", "med_other", "lead2", "newcomer"])
def test_outsiders_do_not_see_the_case(api, tree, teams, make_case, who):
    case = make_case("mediating")
    user = getattr(tree, who, None) or getattr(teams, who)
    client = api.as_user(user)
    assert client.get(f"{CASES}/{case.pk}").status_code == 404
    assert client.get(CASES).json()["results"] == []
    for action, body in [
        ("accept", {"team": teams.community.pk, "mediators": [teams.med1.pk]}),
        ("sessions", {"scheduled_at": timezone.now().isoformat(), "place": "x"}),
        ("agreement", {"terms": "x"}),
        ("escalate", {"reason": "x"}),
    ]:
        response = client.post(f"{CASES}/{case.pk}/{action}", body)
        assert response.status_code == 404, (action, response.content)
    assert Case.objects.get(pk=case.pk).status == "mediating"


def test_an_absent_case_and_session_are_404(api, tree, teams, make_case):
    case = make_case("mediating")
    client = api.as_user(teams.med1)
    assert client.get(f"{CASES}/999999").status_code == 404
    other = make_case("mediating")
    session = other.sessions.get()
    # A session of another case, even one the caller mediates: 404.
    assert client.post(f"{CASES}/{case.pk}/sessions/{session.pk}/record", {"notes": "x"}).status_code == 404


# --- 403: a known case, an action not for this caller -------------------------------------


def test_the_applicant_cannot_accept_or_mediate(api, tree, teams, make_case):
    applied = make_case("applied")
    client = api.as_user(tree.resident1)
    body = {"team": teams.community.pk, "mediators": [teams.med1.pk]}
    assert client.post(f"{CASES}/{applied.pk}/accept", body).status_code == 403
    mediating = make_case("mediating")
    assert client.post(f"{CASES}/{mediating.pk}/agreement", {"terms": "x"}).status_code == 403
    assert Case.objects.get(pk=applied.pk).status == "applied"


def test_a_team_member_not_assigned_cannot_record_the_outcome(api, tree, teams, make_case):
    case = make_case("mediating")
    from tests.residents.factories import UserFactory

    from .factories import MemberFactory

    bystander = UserFactory()
    MemberFactory(team=teams.community, user=bystander)
    client = api.as_user(bystander)
    assert client.get(f"{CASES}/{case.pk}").status_code == 200  # a member sees the team's cases
    assert client.post(f"{CASES}/{case.pk}/agreement", {"terms": "x"}).status_code == 403
    # The team's lead acts for its mediators.
    assert api.as_user(teams.lead1).post(f"{CASES}/{case.pk}/agreement", {"terms": "x"}).status_code == 200


def test_a_grid_worker_cannot_accept(api, tree, teams):
    # Staff-side without a home must name the grid.
    assert api.as_user(tree.worker1).post(CASES, case_body()).status_code == 400
    cid = api.as_user(tree.worker1).post(CASES, case_body(grid=tree.micro1.pk)).json()["id"]
    response = api.as_user(tree.worker1).post(
        f"{CASES}/{cid}/accept", {"team": teams.community.pk, "mediators": [teams.med1.pk]}
    )
    assert response.status_code == 403


def test_a_resident_cannot_open_a_case_far_from_home(api, tree, teams):
    response = api.as_user(tree.resident1).post(CASES, case_body(grid=tree.micro2.pk))  # the other street
    assert response.status_code == 403 and response.json()["error"]["code"] == "grid_out_of_reach"
    near = api.as_user(tree.resident1).post(CASES, case_body(grid=tree.micro21.pk))  # the next building
    assert near.status_code == 201
    homeless = api.as_user(tree.newcomer).post(CASES, case_body())
    assert homeless.status_code == 403 and homeless.json()["error"]["code"] == "residence_required"
    assert Case.objects.count() == 1


# --- 409: the state does not allow it --------------------------------------------------------


def test_accepting_twice_is_409(api, tree, teams, make_case):
    case = make_case("accepted")
    response = api.as_user(tree.staff1).post(
        f"{CASES}/{case.pk}/accept", {"team": teams.community.pk, "mediators": [teams.med2.pk]}
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "illegal_transition"
    assert list(Case.objects.get(pk=case.pk).mediators.order_by("pk")) == [teams.med1, teams.med2]


def test_an_agreement_on_a_declined_case_is_409(api, tree, teams):
    # Offered to the community team, whose lead declines it, then tries an agreement.
    cid = api.as_user(tree.resident1).post(CASES, case_body(team=teams.community.pk)).json()["id"]
    lead = api.as_user(teams.lead1)
    assert lead.post(f"{CASES}/{cid}/decline", {"reason": "已起诉至法院"}).status_code == 200
    response = lead.post(f"{CASES}/{cid}/agreement", {"terms": "x"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "illegal_transition"
    assert Case.objects.get(pk=cid).status == "declined" and not hasattr(Case.objects.get(pk=cid), "agreement")


def test_a_follow_up_before_an_outcome_is_409(api, tree, teams, make_case):
    case = make_case("mediating")
    response = api.as_user(teams.med1).post(f"{CASES}/{case.pk}/follow-up", {"notes": "x", "fulfilled": True})
    assert response.status_code == 409
    assert not case.follow_ups.exists()


@pytest.mark.parametrize(
    ("state", "action", "body"),
    [
        ("applied", "sessions", {"scheduled_at": "2030-01-01T09:00:00+08:00", "place": "x"}),
        ("accepted", "agreement", {"terms": "x"}),
        ("closed", "fail", {"reason": "x", "referral": "none"}),
        ("agreed", "escalate", {"reason": "x"}),
        ("closed", "follow-up", {"notes": "x", "fulfilled": True}),
    ],
)
def test_other_illegal_moves_are_409(api, tree, teams, make_case, state, action, body):
    case = make_case(state)
    if state == "applied":  # offered to the team so its lead may try
        case.team = teams.community
        case.save(update_fields=["team"])
    events = CaseEvent.objects.filter(case=case).count()
    response = api.as_user(teams.lead1).post(f"{CASES}/{case.pk}/{action}", body)
    assert response.status_code == 409, response.content
    assert CaseEvent.objects.filter(case=case).count() == events


def test_recording_a_session_twice_is_409(api, tree, teams, make_case):
    case = make_case("mediating")
    session = case.sessions.get()
    url = f"{CASES}/{case.pk}/sessions/{session.pk}/record"
    assert api.as_user(teams.med1).post(url, {"notes": "第一次"}).status_code == 200
    again = api.as_user(teams.med1).post(url, {"notes": "改写"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "session_already_recorded"


# --- 400: bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "gossip"}, "category"),
        ({"category": ""}, "category"),
        ({"parties": []}, "parties"),
        ({"parties": [{"name": "甲", "role": "respondent"}]}, "parties"),  # no applicant
        ({"parties": [{"name": "甲", "role": "judge"}]}, "parties"),  # bad role
        ({"parties": [{"name": "甲", "role": "applicant", "phone": "138-call-me"}]}, "parties"),
        ({"parties": [{"name": "", "role": "applicant"}]}, "parties"),
        ({"parties": "甲"}, "parties"),
        ({"description": ""}, "description"),
        ({"grid": 999999}, "grid"),
        ({"team": 999999}, "team"),
    ],
)
def test_invalid_cases_are_400_with_fields(api, tree, teams, change, field):
    response = api.as_user(tree.resident1).post(CASES, case_body(**change))
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Case.objects.exists() and not Party.objects.exists()


def test_a_team_that_does_not_serve_the_grid_is_400(api, tree, teams):
    response = api.as_user(tree.resident1).post(CASES, case_body(team=teams.other.pk))
    assert response.status_code == 400 and "team" in response.json()["error"]["fields"]


def test_malformed_json_is_400(api, tree, teams):
    response = api.as_user(tree.resident1).generic("POST", CASES, "{not json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"team": None, "mediators": []}, "team"),
        ({"mediators": []}, "team"),
        ("members", "mediators"),  # a user who is not a member of the team
        ("empty", "mediators"),
        ("foreign", "team"),  # a team that does not serve the case's grid
    ],
)
def test_bad_acceptances_are_400(api, tree, teams, make_case, body, field):
    case = make_case("applied")
    bodies = {
        "members": {"team": teams.community.pk, "mediators": [teams.med_s.pk]},
        "empty": {"team": teams.community.pk, "mediators": []},
        "foreign": {"team": teams.other.pk, "mediators": [teams.med_other.pk]},
    }
    response = api.as_user(tree.staff1).post(
        f"{CASES}/{case.pk}/accept", bodies[body] if isinstance(body, str) else body
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert Case.objects.get(pk=case.pk).status == "applied"


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("sessions", {"scheduled_at": "tomorrow", "place": "x"}, "scheduled_at"),
        ("sessions", {"scheduled_at": "2030-01-01T09:00:00+08:00"}, "place"),
        ("fail", {"reason": "x", "referral": "heaven"}, "referral"),
        ("follow-up", {"notes": "x"}, "fulfilled"),
        ("agreement", {"terms": ""}, "terms"),
    ],
)
def test_bad_action_bodies_are_400(api, tree, teams, make_case, action, body, field):
    case = make_case("mediating")
    response = api.as_user(teams.med1).post(f"{CASES}/{case.pk}/{action}", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_a_past_due_time_zone_free_session_is_still_accepted(api, tree, teams, make_case):
    """A mediator on the spot may log a session that just took place (then record it)."""
    case = make_case("accepted")
    when = (timezone.now() - timedelta(hours=1)).isoformat()
    response = api.as_user(teams.med1).post(f"{CASES}/{case.pk}/sessions", {"scheduled_at": when, "place": "现场"})
    assert response.status_code == 201

"""智慧信访 through HTTP and the fake: an appeal's petition from hand-over to closing, each
statutory deadline warned on time and once, the signed idempotent webhook, scope, and a
failed mediation case referred to 信访."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from linkage import petitions, systems
from linkage.models import Petition
from mediation import services as mediation_services
from mediation.models import Referral
from notifications.models import Notification
from tests.appeals.factories import make_appeal
from tests.fakes.linked import sign

from .conftest import PETITION_SECRET

STATUS_URL = "/api/v1/integrations/petition/status"


def post_status(body: dict[str, Any], *, secret: str = PETITION_SECRET, message_id: str = "") -> Any:
    raw = json.dumps(body).encode()
    headers = {"HTTP_X_SIGNATURE": sign(secret, raw)}
    if message_id:
        headers["HTTP_X_MESSAGE_ID"] = message_id
    return Client().post(STATUS_URL, raw, content_type="application/json", **headers)


def events_of(model_rows: Any) -> list[str]:
    return list(model_rows.values_list("action", flat=True))


@pytest.fixture
def petition(api, tree, petition_system):
    appeal = make_appeal(submitter=tree.resident1)
    answer = api.as_user(tree.worker1).post(
        f"/api/v1/appeals/{appeal.pk}/to-petition", {"reason": "涉及多部门，转信访"}
    )
    assert answer.status_code == 201, answer.json()
    return Petition.objects.get(appeal=appeal)


def test_the_whole_life_with_every_deadline_warned_once(api, tree, petition, petition_system):
    appeal = petition.appeal
    case_id = petition.case_id_external
    assert systems.sweep() == 1
    landed = petition_system.received(case_id)
    assert landed and landed[0]["source"] == "appeal" and "王" not in json.dumps(landed, ensure_ascii=False)
    assert Notification.objects.filter(user=tree.resident1, message__event="petition_handed_over").exists()
    detail = api.as_user(tree.resident1).get(f"/api/v1/appeals/{appeal.pk}").json()
    assert detail["petition"]["status"] == "handed_over" and detail["petition"]["deadline"]

    start = petition.handed_over_at
    assert petitions.enforce_deadlines(now=start + timedelta(days=11)) == 0  # 15-day limit, 3 days' warning
    assert petitions.enforce_deadlines(now=start + timedelta(days=12, minutes=1)) == 1
    assert petitions.enforce_deadlines(now=start + timedelta(days=13)) == 0  # once
    assert Notification.objects.filter(user=tree.worker1, message__event="petition_deadline").count() == 1

    accepted_at = start + timedelta(days=14)
    answer = post_status({"case_id": case_id, "status": "accepted", "note": "已受理", "at": accepted_at.isoformat()})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["reply_due_at"].startswith(
        (accepted_at + timedelta(days=60)).astimezone(timezone.get_current_timezone()).date().isoformat()
    )
    assert petitions.enforce_deadlines(now=accepted_at + timedelta(days=57, minutes=1)) == 1
    post_status(
        {
            "case_id": case_id,
            "status": "handling",
            "note": "延期办理",
            "extended": True,
            "at": (accepted_at + timedelta(days=58)).isoformat(),
        }
    )
    petition.refresh_from_db()
    assert petition.extended and petition.reply_due_at == accepted_at + timedelta(days=90)

    replied_at = accepted_at + timedelta(days=80)
    post_status({"case_id": case_id, "status": "replied", "note": "已书面答复", "at": replied_at.isoformat()})
    assert petitions.enforce_deadlines(now=replied_at + timedelta(days=27, minutes=1)) == 1
    assert Notification.objects.filter(user=tree.resident1, message__event="petition_review_deadline").count() == 1
    post_status({"case_id": case_id, "status": "review_requested", "at": (replied_at + timedelta(days=28)).isoformat()})
    post_status({"case_id": case_id, "status": "reviewed", "at": (replied_at + timedelta(days=35)).isoformat()})
    closed = post_status({"case_id": case_id, "status": "closed", "at": (replied_at + timedelta(days=36)).isoformat()})
    assert closed.json()["status"] == "closed" and closed.json()["deadline"] is None
    assert events_of(petition.events.all()) == [
        "hand_over",
        "warn_accept",
        "accepted",
        "warn_reply",
        "handling",
        "replied",
        "warn_review",
        "review_requested",
        "reviewed",
        "closed",
    ]
    timeline = [
        row["action"] for row in api.as_user(tree.resident1).get(f"/api/v1/appeals/{appeal.pk}").json()["timeline"]
    ]
    assert timeline[-7:] == [
        "to_petition",
        "petition_accepted",
        "petition_handling",
        "petition_replied",
        "petition_review_requested",
        "petition_reviewed",
        "petition_closed",
    ]


def test_a_bad_signature_is_401_and_a_replay_changes_nothing(petition):
    body = {"case_id": petition.case_id_external, "status": "accepted", "note": "已受理"}
    assert post_status(body, secret="wrong").status_code == 401
    assert post_status(body, message_id="m-1").status_code == 200
    again = post_status(body, message_id="m-1")
    assert again.status_code == 200 and again.json()["status"] == "accepted"
    assert events_of(petition.events.all()) == ["hand_over", "accepted"]
    illegal = post_status({**body, "status": "reviewed"}, message_id="m-2")
    assert illegal.status_code == 409
    unknown = post_status({**body, "case_id": "YDP99999999"}, message_id="m-3")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_case"
    assert post_status({"case_id": petition.case_id_external}, message_id="m-4").status_code == 400


def test_only_the_handler_hands_over_and_once(api, tree, petition_system):
    appeal = make_appeal(submitter=tree.resident1)
    url = f"/api/v1/appeals/{appeal.pk}/to-petition"
    assert api.as_user(tree.staff2).post(url, {"reason": "x"}).status_code == 404
    assert api.as_user(tree.resident1).post(url, {"reason": "x"}).status_code == 403
    assert api.as_user(tree.worker1).post(url, {}).status_code == 400
    assert api.as_user(tree.worker1).post(url, {"reason": "转信访"}).status_code == 201
    again = api.as_user(tree.worker1).post(url, {"reason": "转信访"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_petitioned"


def test_a_failed_case_referred_to_petition_is_handed_over(tree, make_case, teams, petition_system, conflict_system):
    case = make_case("mediating")
    mediation_services.case_fail(case=case, actor=teams.med1, reason="对方拒不配合", referral=Referral.PETITION)
    petition = Petition.objects.get(case=case)
    systems.sweep()
    landed = petition_system.received(petition.case_id_external)
    assert landed and landed[0]["source"] == "case"
    assert "王女士" not in json.dumps(landed, ensure_ascii=False)
    assert "to_petition" in events_of(case.events.all())


@pytest.mark.parametrize("model", ["petition", "outboundcall", "conflictlink", "inboundreceipt"])
def test_admin_changelists_render(petition, model):
    from tests.residents.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get(f"/admin/linkage/{model}/").status_code == 200

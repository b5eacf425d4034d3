"""Handing an appeal to mediation through the mediation app's seam
(mediation.services.case_open_from_appeal): the case keeps the appeal's id, the appeal the
case's (plain integers both ways, no foreign key)."""

from __future__ import annotations

import pytest

from appeals.models import Appeal
from mediation.models import Case

pytestmark = pytest.mark.django_db


def test_handler_hands_a_dispute_to_mediation(api, tree):
    body = {"category": "neighbour", "title": "楼上漏水纠纷", "description": "与楼上住户协商不成。"}
    appeal_id = api.as_user(tree.resident1).post("/api/v1/appeals", body).json()["id"]
    response = api.as_user(tree.worker1).post(f"/api/v1/appeals/{appeal_id}/to-mediation")
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["status"] == "accepted" and out["mediation_case_id"]
    assert out["timeline"][-1]["action"] == "to_mediation"
    case = Case.objects.get(pk=out["mediation_case_id"])
    assert case.source_appeal_id == appeal_id and case.status == "applied"
    again = api.as_user(tree.worker1).post(f"/api/v1/appeals/{appeal_id}/to-mediation")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_in_mediation"


def test_resident_cannot_hand_over_to_mediation(api, tree, appeal):
    response = api.as_user(tree.resident1).post(f"/api/v1/appeals/{appeal.pk}/to-mediation")
    assert response.status_code == 403
    assert Appeal.objects.get(pk=appeal.pk).mediation_case_id is None


def test_finished_appeal_cannot_go_to_mediation(api, tree, resolved):
    response = api.as_user(tree.worker1).post(f"/api/v1/appeals/{resolved.pk}/to-mediation")
    assert response.status_code == 409

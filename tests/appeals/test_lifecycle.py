"""The whole life of an appeal, driven through HTTP by each role, and the refusals beside it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import Appeal
from grids.models import Role
from residents.models import PersonalDataAccess
from tests.grids.factories import AssignmentFactory
from tests.residents.factories import ResidenceFactory, UserFactory

from .factories import upload

pytestmark = pytest.mark.django_db


def actions(body):
    return [row["action"] for row in body["timeline"]]


@pytest.fixture
def worker2(tree):
    user = UserFactory(username="worker2", name="网格员二")
    AssignmentFactory(user=user, unit=tree.grid2, role=Role.GRID_WORKER)
    return user


def test_submit_accept_reply_resolve_reopen_rate(api, tree):
    resident, worker = api.as_user(tree.resident1), api.as_user(tree.worker1)
    photo = resident.post("/api/v1/attachments", {"file": upload()}, format="multipart")
    assert photo.status_code == 201, photo.content
    created = resident.post(
        "/api/v1/appeals",
        {
            "category": "facilities",
            "title": "路灯不亮",
            "description": "1号楼门口路灯坏了一周。",
            "address": "1号楼东门",
            "location": {"lat": 34.75432123, "lng": 113.612345},
            "attachments": [photo.json()["id"]],
            "is_public": True,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert re.fullmatch(r"SQ\d{8}-\d{6}", body["number"])
    assert body["status"] == "submitted" and body["category"] == "facilities"
    # A micro-grid's appeal is handled by its level-3 grid.
    assert body["handling_grid"] == tree.grid1.pk and body["level"] == "grid"
    assert body["grid"] == tree.micro1.pk
    assert body["due_at"] and body["accept_due_at"]
    assert body["location"] == {"lat": 34.754321, "lng": 113.612345}
    assert [a["id"] for a in body["attachments"]] == [photo.json()["id"]]
    assert actions(body) == ["submit"]
    assert body["actions"] == ["reply"]
    appeal_id = body["id"]

    assert sorted(worker.get(f"/api/v1/appeals/{appeal_id}").json()["actions"]) == [
        "accept",
        "escalate",
        "reject",
        "reply",
        "to_mediation",
    ]
    accepted = worker.post(f"/api/v1/appeals/{appeal_id}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["accepted_by"] == tree.worker1.pk

    replied = worker.post(f"/api/v1/appeals/{appeal_id}/reply", {"content": "明天安排电工。"})
    assert replied.status_code == 200 and replied.json()["status"] == "accepted"
    assert resident.post(f"/api/v1/appeals/{appeal_id}/reply", {"content": "好的，谢谢"}).status_code == 200

    resolved = worker.post(f"/api/v1/appeals/{appeal_id}/resolve", {"content": "已更换灯泡。"})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"

    reopened = resident.post(f"/api/v1/appeals/{appeal_id}/reopen", {"reason": "晚上还是不亮"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "accepted"
    assert worker.post(f"/api/v1/appeals/{appeal_id}/resolve", {"content": "已更换线路。"}).status_code == 200

    rated = resident.post(f"/api/v1/appeals/{appeal_id}/rate", {"score": 5, "comment": "很满意"})
    assert rated.status_code == 200, rated.content
    final = rated.json()
    assert final["status"] == "closed" and final["score"] == 5
    assert actions(final) == ["submit", "accept", "reply", "reply", "resolve", "reopen", "resolve", "rate"]
    rows = final["timeline"]
    assert rows[1] == rows[1] | {"from_status": "submitted", "to_status": "accepted", "note": ""}
    assert rows[1]["actor"] == {"id": tree.worker1.pk, "name": "网格员一"}
    assert rows[5]["note"] == "晚上还是不亮"
    assert final["actions"] == []


def test_escalation_climbs_grid_community_street_district(api, tree, appeal):
    path = f"/api/v1/appeals/{appeal.pk}"
    moved = api.as_user(tree.worker1).post(f"{path}/escalate", {"reason": "需社区协调"})
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert (body["status"], body["handling_grid"], body["level"]) == ("submitted", tree.community1.pk, "community")
    assert body["timeline"][-1] | {"at": None} == body["timeline"][-1] | {
        "action": "escalate",
        "from_grid": tree.grid1.pk,
        "to_grid": tree.community1.pk,
        "note": "需社区协调",
        "at": None,
    }
    # The grid worker still follows it, but no longer acts on it.
    assert api.as_user(tree.worker1).get(path).status_code == 200
    refused = api.as_user(tree.worker1).post(f"{path}/accept")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_handler"

    staff = api.as_user(tree.staff1)
    assert staff.post(f"{path}/accept").json()["status"] == "accepted"
    assert staff.post(f"{path}/escalate", {"reason": "需街道协调"}).json()["level"] == "street"
    top = staff.post(f"{path}/escalate", {"reason": "需区级部门"}).json()
    assert (top["level"], top["handling_grid"], top["accepted_by"]) == ("district", tree.district.pk, None)
    assert staff.post(f"{path}/accept").status_code == 403  # the district is above the street
    stuck = api.as_user(tree.admin).post(f"{path}/escalate", {"reason": "再上报"})
    assert stuck.status_code == 409 and stuck.json()["error"]["code"] == "cannot_escalate"


def test_reject_needs_a_reason_and_ends_it(api, tree, appeal):
    worker = api.as_user(tree.worker1)
    assert worker.post(f"/api/v1/appeals/{appeal.pk}/reject", {}).status_code == 400
    body = worker.post(f"/api/v1/appeals/{appeal.pk}/reject", {"reason": "不属于本网格职责"}).json()
    assert body["status"] == "rejected" and body["timeline"][-1]["note"] == "不属于本网格职责"
    again = worker.post(f"/api/v1/appeals/{appeal.pk}/accept")
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"
    late = api.as_user(tree.resident1).post(f"/api/v1/appeals/{appeal.pk}/reply", {"content": "为什么？"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "appeal_finished"


# --- refusals ----------------------------------------------------------------------------


def test_resident_accepting_is_403(api, tree, appeal):
    response = api.as_user(tree.resident1).post(f"/api/v1/appeals/{appeal.pk}/accept")
    assert response.status_code == 403
    assert Appeal.objects.get(pk=appeal.pk).status == "submitted"


@pytest.mark.parametrize("action", ["accept", "resolve", "reject", "escalate", "to-mediation"])
def test_worker_of_another_grid_gets_404(api, tree, appeal, worker2, action):
    client = api.as_user(worker2)
    assert client.get(f"/api/v1/appeals/{appeal.pk}").status_code == 404
    response = client.post(f"/api/v1/appeals/{appeal.pk}/{action}", {"reason": "x", "content": "x"})
    assert response.status_code == 404
    assert api.as_user(tree.staff2).get(f"/api/v1/appeals/{appeal.pk}").status_code == 404


def test_accept_twice_is_409(api, tree, accepted):
    response = api.as_user(tree.worker1).post(f"/api/v1/appeals/{accepted.pk}/accept")
    assert response.status_code == 409


def test_resident_cannot_resolve_or_escalate(api, tree, accepted):
    client = api.as_user(tree.resident1)
    assert client.post(f"/api/v1/appeals/{accepted.pk}/resolve", {"content": "好了"}).status_code == 403
    assert client.post(f"/api/v1/appeals/{accepted.pk}/escalate", {"reason": "慢"}).status_code == 403


def test_reopen_within_seven_days(api, tree, resolved):
    Appeal.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now() - timedelta(days=6, hours=23))
    response = api.as_user(tree.resident1).post(f"/api/v1/appeals/{resolved.pk}/reopen", {"reason": "没修好"})
    assert response.status_code == 200 and response.json()["status"] == "accepted"


def test_reopen_after_seven_days_is_409(api, tree, resolved):
    Appeal.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now() - timedelta(days=7, minutes=1))
    response = api.as_user(tree.resident1).post(f"/api/v1/appeals/{resolved.pk}/reopen", {"reason": "没修好"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reopen_window_closed"
    assert Appeal.objects.get(pk=resolved.pk).status == "resolved"


def test_only_the_submitter_reopens(api, tree, resolved):
    response = api.as_user(tree.worker1).post(f"/api/v1/appeals/{resolved.pk}/reopen", {"reason": "x"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_submitter"


def test_rating_twice_is_409(api, tree, resolved):
    client = api.as_user(tree.resident1)
    assert client.post(f"/api/v1/appeals/{resolved.pk}/rate", {"score": 4}).status_code == 200
    again = client.post(f"/api/v1/appeals/{resolved.pk}/rate", {"score": 1})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_rated"
    assert Appeal.objects.get(pk=resolved.pk).score == 4


def test_rating_someone_elses_appeal_is_404(api, tree, resolved):
    response = api.as_user(tree.resident2).post(f"/api/v1/appeals/{resolved.pk}/rate", {"score": 1})
    assert response.status_code == 404
    assert Appeal.objects.get(pk=resolved.pk).score is None


def test_rating_before_resolve_is_409_and_score_is_checked(api, tree, accepted):
    client = api.as_user(tree.resident1)
    assert client.post(f"/api/v1/appeals/{accepted.pk}/rate", {"score": 5}).status_code == 409
    bad = client.post(f"/api/v1/appeals/{accepted.pk}/rate", {"score": 6})
    assert bad.status_code == 400 and "score" in bad.json()["error"]["fields"]


def test_submit_refusals(api, tree):
    newcomer = api.as_user(tree.newcomer)  # no residence yet
    body = {"category": "other", "title": "咨询", "description": "请问……"}
    no_home = newcomer.post("/api/v1/appeals", body)
    assert no_home.status_code == 400 and no_home.json()["error"]["code"] == "residence_required"
    far = api.as_user(tree.resident1).post("/api/v1/appeals", body | {"grid": tree.micro21.pk})
    assert far.status_code == 201  # street 1's second micro-grid: resident1's community
    other_street = api.as_user(tree.resident1).post("/api/v1/appeals", body | {"grid": tree.grid2.pk})
    assert other_street.status_code == 400
    assert other_street.json()["error"]["code"] == "grid_out_of_reach"
    bad_category = api.as_user(tree.resident1).post("/api/v1/appeals", body | {"category": "aliens"})
    assert bad_category.status_code == 400 and "category" in bad_category.json()["error"]["fields"]
    off_earth = api.as_user(tree.resident1).post("/api/v1/appeals", body | {"location": {"lat": 91, "lng": 0}})
    assert off_earth.status_code == 400 and "location" in off_earth.json()["error"]["fields"]
    assert Appeal.objects.count() == 1


def test_a_dedicated_grid_is_handled_by_its_community(api, tree):
    body = {"category": "safety", "title": "校门口积水", "description": "放学时积水很深", "grid": tree.dedicated1.pk}
    response = api.as_user(tree.resident1).post("/api/v1/appeals", body)
    assert response.status_code == 201
    assert (response.json()["handling_grid"], response.json()["level"]) == (tree.community1.pk, "community")


def test_staff_submits_for_a_unit_in_reach(api, tree):
    body = {"category": "environment", "title": "垃圾清运", "description": "…", "grid": tree.micro1.pk}
    assert api.as_user(tree.worker1).post("/api/v1/appeals", body).status_code == 201
    assert api.as_user(tree.worker1).post("/api/v1/appeals", body | {"grid": tree.micro21.pk}).status_code == 201
    outside = api.as_user(tree.worker1).post("/api/v1/appeals", body | {"grid": tree.street2.pk})
    assert outside.status_code == 400


def test_public_view_hides_personal_data(api, tree):
    neighbour = UserFactory(username="neighbour")
    ResidenceFactory(user=neighbour, grid=tree.micro21)  # same level-3 grid, other building
    tree.resident1.set_phone("13900001111")
    tree.resident1.save()
    body = {
        "category": "environment",
        "title": "绿化带垃圾",
        "description": "…",
        "address": "3单元501",
        "location": {"lat": "34.7", "lng": "113.6"},
        "is_public": True,
    }
    appeal_id = api.as_user(tree.resident1).post("/api/v1/appeals", body).json()["id"]
    seen = api.as_user(neighbour).get(f"/api/v1/appeals/{appeal_id}").json()
    assert (seen["submitter"], seen["address"], seen["location"], seen["contact_phone"]) == (None, "", None, "")
    assert seen["timeline"][0]["actor"] is None and seen["actions"] == []
    handler = api.as_user(tree.worker1).get(f"/api/v1/appeals/{appeal_id}").json()
    assert handler["contact_phone"] == "13900001111" and handler["address"] == "3单元501"
    assert handler["submitter"]["id"] == tree.resident1.pk
    assert PersonalDataAccess.objects.filter(accessor=tree.worker1, field="phone").exists()
    own = api.as_user(tree.resident1).get(f"/api/v1/appeals/{appeal_id}").json()
    assert own["contact_phone"] == "13900001111"
    street = api.as_user(tree.staff1).get(f"/api/v1/appeals/{appeal_id}").json()
    assert street["contact_phone"] == "13900001111"  # staff of the street handle it too (reach)

"""A resident claims a home micro-grid; staff of that subtree verify or reject it."""

from __future__ import annotations

import pytest
from django.db import connection

from residents.models import Residence, ResidenceStatus
from tests.residents.factories import ResidenceFactory, UserFactory

pytestmark = pytest.mark.django_db


def claim(api, user, grid, address="3单元201"):
    return api.as_user(user).post("/api/v1/me/residence", {"grid": grid.pk, "address": address})


def test_claim_then_staff_verify_makes_a_verified_resident(api, tree):
    response = claim(api, tree.newcomer, tree.micro1)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["grid"] == tree.micro1.pk
    me = api.as_user(tree.newcomer).get("/api/v1/me").json()
    assert me["residence"]["id"] == body["id"] and me["verified"] is False

    verified = api.as_user(tree.staff1).post(f"/api/v1/residences/{body['id']}/verify", {"note": "已上门核实"})
    assert verified.status_code == 200, verified.content
    assert verified.json()["status"] == "verified"
    assert api.as_user(tree.newcomer).get("/api/v1/me").json()["verified"] is True


def test_grid_worker_of_the_grid_may_verify(api, tree):
    residence = claim(api, tree.newcomer, tree.micro1).json()
    assert api.as_user(tree.worker1).post(f"/api/v1/residences/{residence['id']}/verify").status_code == 200


def test_staff_reject_with_a_note(api, tree):
    residence = claim(api, tree.newcomer, tree.dedicated1).json()
    response = api.as_user(tree.staff1).post(f"/api/v1/residences/{residence['id']}/reject", {"note": "查无此人"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert response.json()["note"] == "查无此人"


def test_verification_by_staff_outside_the_subtree_is_refused(api, tree):
    residence = claim(api, tree.newcomer, tree.micro1).json()
    response = api.as_user(tree.staff2).post(f"/api/v1/residences/{residence['id']}/verify")
    assert response.status_code == 404
    assert Residence.objects.get(pk=residence["id"]).status == "pending"


def test_a_resident_cannot_verify_their_own_claim(api, tree):
    residence = claim(api, tree.newcomer, tree.micro1).json()
    response = api.as_user(tree.newcomer).post(f"/api/v1/residences/{residence['id']}/verify")
    assert response.status_code == 403


def test_verifying_twice_is_409(api, tree):
    residence = claim(api, tree.newcomer, tree.micro1).json()
    api.as_user(tree.staff1).post(f"/api/v1/residences/{residence['id']}/verify")
    again = api.as_user(tree.staff1).post(f"/api/v1/residences/{residence['id']}/reject")
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"


def test_a_home_must_be_a_micro_or_dedicated_grid(api, tree):
    response = claim(api, tree.newcomer, tree.community1)
    assert response.status_code == 400 and "grid" in response.json()["error"]["fields"]
    assert claim(api, tree.newcomer, type("U", (), {"pk": 999999})).status_code == 400


def test_one_pending_claim_at_a_time(api, tree):
    assert claim(api, tree.newcomer, tree.micro1).status_code == 201
    second = claim(api, tree.newcomer, tree.micro2)
    assert second.status_code == 409 and second.json()["error"]["code"] == "residence_pending"


def test_moving_house_supersedes_the_old_home(api, tree):
    new_home = claim(api, tree.resident1, tree.micro2).json()
    assert api.as_user(tree.staff2).post(f"/api/v1/residences/{new_home['id']}/verify").status_code == 200
    statuses = dict(Residence.objects.filter(user=tree.resident1).values_list("grid_id", "status"))
    assert statuses == {tree.micro1.pk: ResidenceStatus.SUPERSEDED, tree.micro2.pk: ResidenceStatus.VERIFIED}


def test_staff_list_residences_of_their_subtree_only(api, tree):
    claim(api, tree.newcomer, tree.micro2)
    seen = api.as_user(tree.staff2).get("/api/v1/residences?status=pending").json()["results"]
    assert [row["user"] for row in seen] == [tree.newcomer.pk]
    assert api.as_user(tree.staff1).get("/api/v1/residences?status=pending").json()["results"] == []
    other = Residence.objects.get(user=tree.newcomer)
    assert api.as_user(tree.staff1).get(f"/api/v1/residences/{other.pk}").status_code == 404
    assert api.as_user(tree.staff2).get(f"/api/v1/residences/{other.pk}").status_code == 200


def test_a_resident_sees_only_their_own_residence(api, tree):
    own = Residence.objects.get(user=tree.resident1)
    other = Residence.objects.get(user=tree.resident2)
    assert api.as_user(tree.resident1).get(f"/api/v1/residences/{own.pk}").status_code == 200
    assert api.as_user(tree.resident1).get(f"/api/v1/residences/{other.pk}").status_code == 404


@pytest.mark.parametrize("count", [2, 25])
def test_residence_list_queries_do_not_grow(api, tree, count, django_assert_max_num_queries):
    for _ in range(count):
        ResidenceFactory(grid=tree.micro1, status="pending", user=UserFactory())
    with django_assert_max_num_queries(4):
        response = api.as_user(tree.staff1).get("/api/v1/residences?status=pending&page_size=100")
    assert len(response.json()["results"]) == count


def test_grid_path_copy_is_indexed_for_prefix_queries(tree):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'residence_verified_path'")
        (indexdef,) = cursor.fetchone()
    assert "varchar_pattern_ops" in indexdef

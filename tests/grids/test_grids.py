"""The grid tree and role assignments, scoped by subtree."""

from __future__ import annotations

import pytest

from grids.models import Assignment, GridLevel, GridUnit, Role
from grids.scope import in_reach, reach_paths
from tests.grids.factories import AssignmentFactory, GridUnitFactory
from tests.residents.factories import UserFactory

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_staff_see_their_subtree_and_its_ancestors(api, tree):
    seen = ids(api.as_user(tree.staff1).get("/api/v1/grids?page_size=100"))
    assert {tree.district.pk, tree.street1.pk, tree.micro1.pk, tree.dedicated1.pk} <= seen
    assert not seen & {tree.street2.pk, tree.community2.pk, tree.micro2.pk}


def test_staff_of_one_street_get_404_for_another_streets_unit(api, tree):
    assert api.as_user(tree.staff1).get(f"/api/v1/grids/{tree.street1.pk}").status_code == 200
    assert api.as_user(tree.staff1).get(f"/api/v1/grids/{tree.community2.pk}").status_code == 404


def test_filters_parent_level_and_q(api, tree):
    client = api.as_user(tree.admin)
    assert ids(client.get(f"/api/v1/grids?parent={tree.district.pk}")) == {tree.street1.pk, tree.street2.pk}
    assert ids(client.get("/api/v1/grids?level=dedicated")) == {tree.dedicated1.pk, tree.dedicated2.pk}
    assert ids(client.get("/api/v1/grids?q=第2社区")) == {tree.community2.pk}
    assert client.get("/api/v1/grids?level=planet").status_code == 400


def test_unit_fields(api, tree):
    body = api.as_user(tree.admin).get(f"/api/v1/grids/{tree.micro1.pk}").json()
    assert body == {
        "id": tree.micro1.pk,
        "name": tree.micro1.name,
        "level": "micro",
        "code": tree.micro1.code,
        "parent": tree.grid1.pk,
        "path": f"/410102/410102001/410102001001/410102001001001/{tree.micro1.code}/",
    }


def test_residents_browse_the_directory_to_pick_a_home(api, tree):
    seen = ids(api.as_user(tree.newcomer).get("/api/v1/grids?level=micro"))
    assert {tree.micro1.pk, tree.micro2.pk} <= seen


def test_admin_creates_a_unit_under_a_parent(api, tree):
    response = api.as_user(tree.admin).post(
        "/api/v1/grids", {"parent": tree.grid1.pk, "name": "3号楼", "level": "micro", "code": "410102001001001003"}
    )
    assert response.status_code == 201, response.content
    unit = GridUnit.objects.get(pk=response.json()["id"])
    assert unit.path == tree.grid1.path + "410102001001001003/" and tree.street1.contains(unit)


def test_creating_a_unit_needs_the_admin_role(api, tree):
    body = {"parent": tree.grid1.pk, "name": "3号楼", "level": "micro", "code": "X3"}
    assert api.as_user(tree.staff1).post("/api/v1/grids", body).status_code == 403
    # No admin role anywhere: refused before the body or the parent is looked at.
    assert api.as_user(tree.staff2).post("/api/v1/grids", body).status_code == 403
    # An admin of another subtree: the parent is outside their reach, so it does not exist.
    other_admin = UserFactory(username="admin-of-street2")
    AssignmentFactory(user=other_admin, unit=tree.street2, role=Role.ADMIN)
    assert api.as_user(other_admin).post("/api/v1/grids", body).status_code == 404


def test_creating_a_unit_at_the_wrong_level_or_with_a_taken_code(api, tree):
    client = api.as_user(tree.admin)
    wrong = client.post("/api/v1/grids", {"parent": tree.grid1.pk, "name": "街道", "level": "street", "code": "Y1"})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid_level"
    taken = client.post(
        "/api/v1/grids", {"parent": tree.grid1.pk, "name": "楼", "level": "micro", "code": tree.micro1.code}
    )
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "duplicate_code"
    bad = client.post("/api/v1/grids", {"parent": tree.grid1.pk, "name": "楼", "level": "micro", "code": "a/b"})
    assert bad.status_code == 400 and "code" in bad.json()["error"]["fields"]


def test_admin_assigns_a_role_and_the_reach_follows(api, tree):
    person = UserFactory()
    response = api.as_user(tree.admin).post(
        f"/api/v1/grids/{tree.grid2.pk}/assignments", {"user": person.pk, "role": "grid_worker"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "grid_worker" and response.json()["grid"] == tree.grid2.pk
    assert in_reach(person, tree.micro2, {"grid_worker"}) and not in_reach(person, tree.micro1, {"grid_worker"})
    again = api.as_user(tree.admin).post(
        f"/api/v1/grids/{tree.grid2.pk}/assignments", {"user": person.pk, "role": "grid_worker"}
    )
    assert again.status_code == 409


def test_a_resident_cannot_assign_roles(api, tree):
    response = api.as_user(tree.resident1).post(
        f"/api/v1/grids/{tree.micro1.pk}/assignments", {"user": tree.resident1.pk, "role": "admin"}
    )
    assert response.status_code == 403
    assert not Assignment.objects.filter(user=tree.resident1).exists()


def test_staff_cannot_assign_roles_either(api, tree):
    response = api.as_user(tree.staff1).post(
        f"/api/v1/grids/{tree.grid1.pk}/assignments", {"user": tree.resident1.pk, "role": "grid_worker"}
    )
    assert response.status_code == 403


def test_assignments_are_listed_to_staff_of_the_subtree_only(api, tree):
    listed = api.as_user(tree.staff1).get(f"/api/v1/grids/{tree.grid1.pk}/assignments")
    assert listed.status_code == 200
    assert [row["user"] for row in listed.json()["results"]] == [tree.worker1.pk]
    assert api.as_user(tree.staff2).get(f"/api/v1/grids/{tree.grid1.pk}/assignments").status_code == 404
    assert api.as_user(tree.resident1).get(f"/api/v1/grids/{tree.grid1.pk}/assignments").status_code == 404


def test_reach_is_minimal_and_superusers_reach_everything(tree):
    AssignmentFactory(user=tree.staff1, unit=tree.micro1, role="staff")  # nested in street1
    assert reach_paths(tree.staff1) == [tree.street1.path]
    boss = UserFactory(is_superuser=True)
    assert reach_paths(boss) == ["/"] and in_reach(boss, tree.micro2)


@pytest.mark.parametrize("count", [3, 30])
def test_unit_list_queries_do_not_grow(api, tree, count, django_assert_max_num_queries):
    for _ in range(count):
        GridUnitFactory(parent=tree.grid1, level=GridLevel.MICRO)
    client = api.as_user(tree.staff1)
    with django_assert_max_num_queries(4):
        assert len(ids(client.get("/api/v1/grids?page_size=100"))) >= count


@pytest.mark.parametrize("count", [2, 20])
def test_assignment_list_queries_do_not_grow(api, tree, count, django_assert_max_num_queries):
    for _ in range(count):
        AssignmentFactory(unit=tree.grid1, role="volunteer")
    client = api.as_user(tree.staff1)
    with django_assert_max_num_queries(5):
        assert len(ids(client.get(f"/api/v1/grids/{tree.grid1.pk}/assignments?page_size=100"))) == count + 1

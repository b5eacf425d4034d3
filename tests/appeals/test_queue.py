"""Queues: handlers see what their units handle, staff their subtree, residents their own and
the public ones of their grid; filters; query counts that do not grow with the list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appeals.models import Appeal
from tests.residents.factories import ResidenceFactory, UserFactory

from .factories import make_appeal

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def spread(tree):
    """Appeals in both streets, public and private, from residents of different grids."""
    neighbour = UserFactory(username="neighbour")
    ResidenceFactory(user=neighbour, grid=tree.micro21)  # street 1, same level-3 grid
    return {
        "own": make_appeal(submitter=tree.resident1),
        "neighbour_public": make_appeal(submitter=neighbour, is_public=True, category="safety"),
        "neighbour_private": make_appeal(submitter=neighbour),
        "street2_public": make_appeal(submitter=tree.resident2, is_public=True),
        "school": make_appeal(submitter=tree.resident1, grid=tree.dedicated1, category="safety"),
    }


def test_who_sees_what(api, tree, spread):
    a = {k: v.pk for k, v in spread.items()}
    street1 = {a["own"], a["neighbour_public"], a["neighbour_private"], a["school"]}
    assert ids(api.as_user(tree.resident1).get("/api/v1/appeals")) == {a["own"], a["neighbour_public"], a["school"]}
    assert ids(api.as_user(tree.resident2).get("/api/v1/appeals")) == {a["street2_public"]}
    # The grid worker: what grid1 handles (the school is its community's).
    assert ids(api.as_user(tree.worker1).get("/api/v1/appeals")) == street1 - {a["school"]}
    assert ids(api.as_user(tree.staff1).get("/api/v1/appeals")) == street1
    assert ids(api.as_user(tree.staff2).get("/api/v1/appeals")) == {a["street2_public"]}
    assert ids(api.as_user(tree.admin).get("/api/v1/appeals")) == set(a.values())
    assert ids(api.as_user(tree.newcomer).get("/api/v1/appeals")) == set()
    assert api.get("/api/v1/appeals").status_code == 401


def test_filters(api, tree, spread):
    a = {k: v.pk for k, v in spread.items()}
    staff = api.as_user(tree.staff1)
    assert ids(staff.get("/api/v1/appeals?category=safety")) == {a["neighbour_public"], a["school"]}
    assert ids(staff.get(f"/api/v1/appeals?grid={tree.dedicated1.pk}")) == {a["school"]}
    assert ids(staff.get(f"/api/v1/appeals?grid={tree.micro21.pk}")) == {a["neighbour_public"], a["neighbour_private"]}
    api.as_user(tree.worker1).post(f"/api/v1/appeals/{a['own']}/accept")
    assert ids(staff.get("/api/v1/appeals?status=accepted")) == {a["own"]}
    assert ids(api.as_user(tree.worker1).get("/api/v1/appeals?mine=true")) == {a["own"]}
    assert ids(staff.get("/api/v1/appeals?mine=true")) == set()
    assert ids(api.as_user(tree.resident1).get("/api/v1/appeals?mine=true")) == {a["own"], a["school"]}
    Appeal.objects.filter(pk=a["neighbour_private"]).update(is_overdue=True)
    assert ids(staff.get("/api/v1/appeals?overdue=true")) == {a["neighbour_private"]}
    assert len(ids(staff.get("/api/v1/appeals?overdue=false"))) == 4


def test_filter_refusals(api, tree, spread):
    outside = api.as_user(tree.staff1).get(f"/api/v1/appeals?grid={tree.grid2.pk}")
    assert outside.status_code == 404
    assert api.as_user(tree.staff1).get("/api/v1/appeals?status=lost").status_code == 400
    assert api.as_user(tree.staff1).get("/api/v1/appeals?grid=999999").status_code == 400


def test_cursor_pages(api, tree):
    for i in range(5):
        make_appeal(submitter=tree.resident1, title=f"第{i}件")
    first = api.as_user(tree.staff1).get("/api/v1/appeals?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"]
    second = api.as_user(tree.staff1).get(first["next"]).json()
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["staff1", "worker1", "resident1"])
def test_list_queries_do_not_grow(api, tree, who, django_assert_max_num_queries):
    client = api.as_user(getattr(tree, who))
    make_appeal(submitter=tree.resident1, is_public=True)
    few = _queries(client, "/api/v1/appeals?page_size=100")
    for i in range(15):
        make_appeal(submitter=tree.resident1, is_public=True, title=f"第{i}件")
    with django_assert_max_num_queries(few):
        response = client.get("/api/v1/appeals?page_size=100")
    assert len(response.json()["results"]) == 16


def test_detail_queries_do_not_grow_with_the_timeline(api, tree, appeal, django_assert_max_num_queries):
    worker = api.as_user(tree.worker1)
    few = _queries(worker, f"/api/v1/appeals/{appeal.pk}")
    for i in range(10):
        worker.post(f"/api/v1/appeals/{appeal.pk}/reply", {"content": f"进展{i}"})
    with django_assert_max_num_queries(few):
        body = worker.get(f"/api/v1/appeals/{appeal.pk}").json()
    assert len(body["timeline"]) == 11

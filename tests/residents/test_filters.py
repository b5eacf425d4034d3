"""The staff residence list's filters (residents/filters.py): each narrows, a bad value is a 400
`invalid` naming the parameter, never a 500 and never ignored."""

from __future__ import annotations

import pytest

from tests.residents.factories import ResidenceFactory

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_status_and_grid_narrow_the_list(api, tree):
    pending = ResidenceFactory(grid=tree.micro1, status="pending")
    elsewhere = ResidenceFactory(grid=tree.dedicated1)
    staff = api.as_user(tree.staff1)
    everything = ids(staff.get("/api/v1/residences"))
    assert {pending.pk, elsewhere.pk} <= everything
    assert pending.pk in ids(staff.get("/api/v1/residences?status=pending"))
    assert ids(staff.get("/api/v1/residences?status=pending")) < everything
    assert ids(staff.get(f"/api/v1/residences?grid={tree.micro1.pk}")) >= {pending.pk}
    assert elsewhere.pk not in ids(staff.get(f"/api/v1/residences?grid={tree.micro1.pk}"))
    assert ids(staff.get("/api/v1/residences?grid=&status=")) == everything  # empty means no filter


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=bogus", "status"), ("grid=abc", "grid"), ("grid=1.5", "grid"), (f"grid={2**70}", "grid")],
)
def test_a_bad_filter_value_is_400_naming_it(api, tree, query, field):
    response = api.as_user(tree.staff1).get(f"/api/v1/residences?{query}")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [field]

"""Every list's query filters (each app's filters.py through backend.filtering): a value the
filter cannot read is a 400 `invalid` naming the parameter, never a 500 and never silently
ignored; a `?grid=` outside the caller's reach is a 404, as the unit itself would be."""

from __future__ import annotations

import pytest

from backend.filtering import StrictBooleanField

pytestmark = pytest.mark.django_db

BAD = [
    ("/api/v1/grids?parent=abc", "parent"),
    ("/api/v1/grids?level=planet", "level"),
    ("/api/v1/grids?q=" + "x" * 51, "q"),
    ("/api/v1/appeals?status=bogus", "status"),
    ("/api/v1/appeals?category=bogus", "category"),
    ("/api/v1/appeals?grid=999999", "grid"),
    ("/api/v1/appeals?grid=abc", "grid"),
    ("/api/v1/appeals?overdue=maybe", "overdue"),
    ("/api/v1/appeals?mine=2", "mine"),
    ("/api/v1/mediation/teams?kind=bogus", "kind"),
    ("/api/v1/mediation/teams?grid=abc", "grid"),
    ("/api/v1/mediation/cases?status=bogus", "status"),
    ("/api/v1/mediation/cases?category=bogus", "category"),
    ("/api/v1/mediation/cases?team=abc", "team"),
    ("/api/v1/mediation/cases?grid=1.5", "grid"),
    ("/api/v1/mediation/cases?overdue=maybe", "overdue"),
    ("/api/v1/mediation/cases?mine=maybe", "mine"),
    ("/api/v1/monthly/rounds?scope=abc", "scope"),
    ("/api/v1/monthly/rounds?status=bogus", "status"),
    ("/api/v1/providers?kind=bogus", "kind"),
    ("/api/v1/providers?skill=" + "x" * 31, "skill"),
    ("/api/v1/providers?grid=abc", "grid"),
    ("/api/v1/providers?q=" + "x" * 51, "q"),
    ("/api/v1/volunteers?status=bogus", "status"),
    (f"/api/v1/volunteers?grid={2**70}", "grid"),
]


@pytest.mark.parametrize(("path", "field"), BAD)
def test_a_bad_filter_value_is_400_naming_it(api, tree, path, field):
    response = api.as_user(tree.staff1).get(path)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [field], error


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/appeals",
        "/api/v1/mediation/teams",
        "/api/v1/mediation/cases",
        "/api/v1/providers",
        "/api/v1/volunteers",
    ],
)
def test_a_grid_outside_the_callers_reach_is_404(api, tree, path):
    staff = api.as_user(tree.staff1)
    assert staff.get(f"{path}?grid={tree.grid1.pk}").status_code == 200
    response = staff.get(f"{path}?grid={tree.grid2.pk}")
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"


def test_empty_values_mean_no_filter(api, tree):
    staff = api.as_user(tree.staff1)
    for path in ("/api/v1/appeals?status=&grid=&mine=", "/api/v1/mediation/cases?overdue=&team=", "/api/v1/grids?q="):
        assert staff.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("raw", "value"),
    [("true", True), ("1", True), ("Yes", True), ("on", True), ("false", False), ("0", False), ("", None)],
)
def test_booleans_read_as_drf_reads_them(raw, value):
    assert StrictBooleanField(required=False).clean(raw) is value

"""Dashboard figures: open, overdue, agreed rate, per team and per child unit, scoped."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mediation import selectors, services
from mediation.tasks import flag_overdue_cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(tree, teams, make_case):
    make_case("applied")
    overdue = make_case("accepted")
    make_case("mediating")
    make_case("agreed")
    make_case("closed")  # agreed, then closed
    make_case("failed")
    make_case("declined")
    flag_overdue_cases(now=overdue.due_at + timedelta(seconds=1))
    # One case of the other street, handled by its own team.
    other = services.case_create(
        actor=tree.resident2,
        category="family",
        description="家庭纠纷",
        parties=[services.PartyIn(name="甲", role="applicant")],
    )
    services.case_accept(case=other, actor=tree.staff2, team=teams.other, mediators=[teams.med_other])
    return overdue


def test_figures_of_a_street(tree, teams, spread):
    figures = selectors.figures(user=tree.staff1, unit=tree.street1)
    assert (figures["open"], figures["overdue"], figures["agreed"], figures["failed"]) == (3, 2, 2, 1)
    assert figures["agreed_rate"] == round(2 / 3, 4)
    (team,) = figures["per_team"]
    assert team["team"] == teams.community.pk and team["open"] == 2 and team["agreed_rate"] == round(2 / 3, 4)
    (community,) = figures["per_unit"]
    assert community["grid"] == tree.community1.pk and community["open"] == 3


def test_figures_of_the_district_over_the_api(api, tree, teams, spread):
    response = api.as_user(tree.admin).get(f"/api/v1/mediation/figures?grid={tree.district.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["open"] == 4 and body["overdue"] == 2  # accepted and mediating
    assert [u["grid"] for u in body["per_unit"]] == [tree.street1.pk, tree.street2.pk]
    assert [u["open"] for u in body["per_unit"]] == [3, 1]
    assert {t["team"] for t in body["per_team"]} == {teams.community.pk, teams.other.pk}
    assert body["per_unit"][1]["agreed_rate"] is None  # no outcome yet


@pytest.mark.parametrize("who", ["staff2", "resident1", "med1", "worker1"])
def test_figures_are_for_staff_of_the_subtree(api, tree, teams, spread, who):
    user = getattr(teams, who, None) or getattr(tree, who)
    assert api.as_user(user).get(f"/api/v1/mediation/figures?grid={tree.street1.pk}").status_code == 404


def test_figures_need_a_grid(api, tree):
    assert api.as_user(tree.staff1).get("/api/v1/mediation/figures").status_code == 400

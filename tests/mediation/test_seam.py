"""The appeals app hands a dispute over through `case_open_from_appeal` (a stand-in appeal
here: the appeals app is built in parallel)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from backend.errors import Conflict, PermissionDenied
from mediation.models import Case
from mediation.services import case_open_from_appeal

from .conftest import PHONE

pytestmark = pytest.mark.django_db


def _appeal(tree, **kw):
    base = dict(
        pk=41,
        number="SQ20261125000041",
        title="楼上噪音扰民",
        description="楼上每晚装修到十一点。",
        category="neighbour",
        submitter=tree.resident1,
        handling_grid=tree.grid1,
    )
    return SimpleNamespace(**{**base, **kw})


def test_an_appeal_becomes_an_applied_case(api, tree, teams, sent):
    case = case_open_from_appeal(appeal=_appeal(tree), actor=tree.worker1)
    assert isinstance(case, Case)
    case.refresh_from_db()
    assert (case.status, case.source, case.source_appeal_id) == ("applied", "appeal", 41)
    assert case.category == "neighbour" and case.grid == tree.grid1 and case.applicant == tree.resident1
    assert case.description == "楼上每晚装修到十一点。" and case.title == "楼上噪音扰民"
    (party,) = case.parties.all()
    assert (party.role, party.user, party.phone) == ("applicant", tree.resident1, PHONE)
    assert case.events.get().action == "from_appeal"
    assert sent.to(tree.resident1) == ["mediation_case_applied"]
    # The submitter follows it like any case of theirs; staff of the street accept it.
    assert api.as_user(tree.resident1).get(f"/api/v1/mediation/cases/{case.pk}").status_code == 200
    accepted = api.as_user(tree.staff1).post(
        f"/api/v1/mediation/cases/{case.pk}/accept", {"team": teams.community.pk, "mediators": [teams.med1.pk]}
    )
    assert accepted.status_code == 200


@pytest.mark.parametrize(
    ("theirs", "ours"),
    [("neighbour", "neighbour"), ("property", "property"), ("environment", "other"), ("safety", "other")],
)
def test_categories_are_mapped(tree, teams, theirs, ours):
    assert case_open_from_appeal(appeal=_appeal(tree, category=theirs), actor=tree.staff1).category == ours


def test_one_case_per_appeal(tree, teams):
    case_open_from_appeal(appeal=_appeal(tree), actor=tree.worker1)
    with pytest.raises(Conflict) as refused:
        case_open_from_appeal(appeal=_appeal(tree), actor=tree.worker1)
    assert refused.value.code == "already_in_mediation"
    assert Case.objects.count() == 1


def test_only_a_handler_of_the_grid_hands_over(tree, teams):
    with pytest.raises(PermissionDenied):
        case_open_from_appeal(appeal=_appeal(tree), actor=tree.staff2)
    assert not Case.objects.exists()


def test_an_appeal_without_an_account_behind_it(tree, teams):
    """A 12345 caller may have no account: the case still opens, with a named applicant party."""
    case = case_open_from_appeal(appeal=_appeal(tree, submitter=None, description=""), actor=tree.worker1)
    assert case.applicant is None and case.description == "楼上噪音扰民"
    assert case.parties.get().name == "诉求人"

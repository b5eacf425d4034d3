"""Concurrent moves of one appeal through HTTP (issue 13 item 6: 20 parallel escalations gave
500s when the row lock joined the handling unit). Each thread has its own connection; the
lock takes the appeal's row alone, and each state is left by exactly one move."""

from __future__ import annotations

from typing import Any

import pytest

from appeals.models import Appeal, AppealEvent
from tests.conftest import Api

from .factories import make_appeal, run_at_once

pytestmark = pytest.mark.django_db(transaction=True)


def _post(user: Any, path: str, body: dict[str, Any] | None = None) -> tuple[int, str]:
    response = Api().as_user(user).post(path, body or {})
    code = response.json().get("error", {}).get("code", "") if response.status_code >= 400 else ""
    return response.status_code, code


def test_twenty_parallel_escalations_climb_one_level_each_and_never_500(tree: Any) -> None:
    appeal = make_appeal(submitter=tree.resident1)
    path = f"/api/v1/appeals/{appeal.pk}/escalate"
    results = run_at_once(lambda: _post(tree.admin, path, {"reason": "并发上报"}), threads=20)
    # grid -> community -> street -> district: three moves, then the top refuses.
    assert sorted(results) == [(200, "")] * 3 + [(409, "cannot_escalate")] * 17
    steps = list(AppealEvent.objects.filter(appeal=appeal, action="escalate").order_by("pk"))
    assert [(e.from_grid_id, e.to_grid_id) for e in steps] == [
        (tree.grid1.pk, tree.community1.pk),
        (tree.community1.pk, tree.street1.pk),
        (tree.street1.pk, tree.district.pk),
    ]
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.handling_grid_id, fresh.escalations, fresh.status) == (tree.district.pk, 3, "submitted")


def test_parallel_accepts_exactly_one_wins(tree: Any) -> None:
    appeal = make_appeal(submitter=tree.resident1)
    path = f"/api/v1/appeals/{appeal.pk}/accept"
    results = run_at_once(lambda: _post(tree.worker1, path), threads=10)
    assert sorted(results) == [(200, "")] + [(409, "illegal_transition")] * 9
    assert AppealEvent.objects.filter(appeal=appeal, action="accept").count() == 1


def _race_escalate_and_accept(tree: Any, appeal: Appeal) -> dict[str, tuple[int, str]]:
    calls = iter(
        [
            lambda: ("escalate", _post(tree.admin, f"/api/v1/appeals/{appeal.pk}/escalate", {"reason": "上报"})),
            lambda: ("accept", _post(tree.worker1, f"/api/v1/appeals/{appeal.pk}/accept")),
        ]
    )
    return dict(run_at_once(lambda: next(calls)(), threads=2))


def test_escalate_racing_accept_never_500s_and_the_timeline_says_who_won(tree: Any) -> None:
    for _ in range(3):
        appeal = make_appeal(submitter=tree.resident1)
        results = _race_escalate_and_accept(tree, appeal)
        moves = list(
            AppealEvent.objects.filter(appeal=appeal).exclude(action="submit").values_list("action", flat=True)
        )
        assert results["escalate"] == (200, "")  # an admin may escalate from submitted and from accepted
        if moves == ["accept", "escalate"]:
            assert results["accept"] == (200, "")
        else:  # escalated first: the grid worker no longer handles it
            assert moves == ["escalate"] and results["accept"] == (403, "not_handler")
        fresh = Appeal.objects.get(pk=appeal.pk)
        assert (fresh.handling_grid_id, fresh.status, fresh.accepted_by_id) == (tree.community1.pk, "submitted", None)

"""backend/workflow.py through real app models (an appeal, a residence): the compare-and-set
move, the join-free lock, the timeline row, auto_now, and the refusals."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from appeals.models import Appeal, AppealEvent, AppealStatus
from backend import workflow
from backend.errors import IllegalTransition
from residents.models import Residence, ResidenceStatus
from tests.appeals.factories import make_appeal
from tests.residents.factories import UserFactory


@pytest.fixture
def appeal(tree: Any) -> Appeal:
    return make_appeal(submitter=tree.resident1)


def test_a_move_writes_the_status_its_changes_and_one_timeline_row(tree: Any, appeal: Appeal) -> None:
    with transaction.atomic():
        event = workflow.transition(
            appeal,
            "accept",
            actor=tree.worker1,
            note="收到",
            details={"why": "test"},
            changes={"accepted_by": tree.worker1},
        )
    assert isinstance(event, AppealEvent)
    assert (event.action, event.from_status, event.to_status) == ("accept", "submitted", "accepted")
    assert (event.actor_id, event.note, event.details) == (tree.worker1.pk, "收到", {"why": "test"})
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.status, fresh.accepted_by_id) == (AppealStatus.ACCEPTED, tree.worker1.pk)
    assert (appeal.status, appeal.accepted_by_id) == (AppealStatus.ACCEPTED, tree.worker1.pk)  # the instance too
    assert list(AppealEvent.objects.filter(appeal=appeal).values_list("action", flat=True)) == ["submit", "accept"]


def test_a_move_stamps_auto_now_columns(appeal: Appeal) -> None:
    before = Appeal.objects.get(pk=appeal.pk).updated_at
    with transaction.atomic():
        workflow.transition(appeal, "accept")
    assert Appeal.objects.get(pk=appeal.pk).updated_at > before


def test_compare_and_set_refuses_when_the_row_moved_meanwhile(appeal: Appeal) -> None:
    stale = Appeal.objects.get(pk=appeal.pk)  # read as submitted ...
    Appeal.objects.filter(pk=appeal.pk).update(status=AppealStatus.REJECTED)  # ... moved by someone else
    events = AppealEvent.objects.filter(appeal=appeal).count()
    with pytest.raises(IllegalTransition) as refused, transaction.atomic():
        workflow.transition(stale, "accept", changes={"title": "不该写入"})
    assert refused.value.fields == {"status": ["rejected"]}  # the status it really has now
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.status, fresh.title) == (AppealStatus.REJECTED, appeal.title)
    assert AppealEvent.objects.filter(appeal=appeal).count() == events  # no timeline row


def test_compare_and_set_also_checks_the_extra_conditions(appeal: Appeal) -> None:
    with pytest.raises(IllegalTransition), transaction.atomic():
        workflow.transition(appeal, "accept", where={"number": "not-this-one"})
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.SUBMITTED


def test_the_table_refuses_a_move_from_the_wrong_status_and_unknown_actions(appeal: Appeal) -> None:
    with pytest.raises(IllegalTransition), transaction.atomic():
        workflow.transition(appeal, "rate")
    with pytest.raises(ValueError), transaction.atomic():
        workflow.transition(appeal, "fly")
    assert workflow.check(appeal, "accept") == ("submitted", "accepted")
    assert set(appeal.allowed_actions()) == {"accept", "reject", "escalate", "to_mediation"}


def test_lock_takes_the_subjects_row_alone_and_loads_related_after(appeal: Appeal) -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = workflow.lock(appeal, related=("handling_grid__parent", "submitter"))
    locking = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locking) == 1 and "JOIN" not in locking[0].upper()
    with CaptureQueriesContext(connection) as later:
        assert locked.handling_grid.parent is not None and locked.submitter is not None
    assert later.captured_queries == []  # already loaded


def test_record_writes_a_row_without_moving(tree: Any, appeal: Appeal) -> None:
    with transaction.atomic():
        event = workflow.record(appeal, "reply", actor=tree.worker1, before="submitted", after="submitted", note="hi")
    assert (event.appeal_id, event.action, event.note) == (appeal.pk, "reply", "hi")
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.SUBMITTED


def test_a_model_without_a_timeline_moves_and_writes_no_row(tree: Any) -> None:
    residence = Residence.objects.create(user=UserFactory(), grid=tree.micro1)
    with transaction.atomic():
        assert workflow.transition(residence, "verify") is None
    assert Residence.objects.get(pk=residence.pk).status == ResidenceStatus.VERIFIED


@pytest.mark.django_db(transaction=True)
def test_a_move_outside_a_transaction_is_a_programming_error(tree: Any) -> None:
    appeal = make_appeal(submitter=tree.resident1)
    with pytest.raises(RuntimeError):
        workflow.transition(appeal, "accept")
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.SUBMITTED

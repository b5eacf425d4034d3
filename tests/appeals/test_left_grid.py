"""`left_grid`: an appeal ever handled above the grid level (小事不出网格), set when it is placed
above the grid or escalated, and backfilled from the timeline for appeals stored before."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, AppealEvent

from .factories import make_appeal

pytestmark = pytest.mark.django_db


def test_an_appeal_in_the_grid_stays_in_it_until_escalated(tree):
    appeal = make_appeal(submitter=tree.resident1)
    assert appeal.level == "grid" and appeal.left_grid is False
    services.appeal_escalate(appeal=appeal, actor=tree.worker1, reason="需社区协调")
    appeal.refresh_from_db()
    assert appeal.escalations == 1 and appeal.left_grid is True


def test_placed_above_the_grid_it_has_left_it(tree):
    appeal = make_appeal(submitter=tree.staff1, grid=tree.community1)
    assert appeal.left_grid is True
    assert make_appeal(submitter=tree.staff1, grid=tree.dedicated1).left_grid is False


def test_the_backfill_reads_the_timeline(tree):
    escalated = make_appeal(submitter=tree.resident1)
    services.appeal_escalate(appeal=escalated, actor=tree.worker1, reason="需社区协调")
    above = make_appeal(submitter=tree.staff1, grid=tree.community1)
    stays = make_appeal(submitter=tree.resident1)
    Appeal.objects.update(left_grid=False)  # as stored before the field existed
    AppealEvent.objects.create(appeal=stays, action="reply", at=timezone.now())
    migration = import_module("appeals.migrations.0003_left_grid")
    migration.backfill_left_grid(apps, None)
    assert dict(Appeal.objects.values_list("pk", "left_grid")) == {escalated.pk: True, above.pk: True, stays.pk: False}

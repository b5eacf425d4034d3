"""seed_demo's appeals: one in each state, made through the services, added once."""

from __future__ import annotations

import io

import pytest

from appeals import demo
from appeals.models import Appeal, AppealEvent
from grids.models import Role
from tests.grids.factories import AssignmentFactory
from tests.residents.factories import ResidenceFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_demo_appeals_cover_the_states_once(tree):
    resident = UserFactory(username="demo_resident")
    ResidenceFactory(user=resident, grid=tree.micro1)
    AssignmentFactory(user=UserFactory(username="demo_grid_worker"), unit=tree.grid1, role=Role.GRID_WORKER)
    demo.seed(shape={}, stdout=io.StringIO())
    demo.seed(shape={}, stdout=io.StringIO())
    statuses = sorted(Appeal.objects.values_list("status", flat=True))
    assert statuses == ["accepted", "closed", "rejected", "resolved", "submitted", "submitted"]
    assert Appeal.objects.filter(level="community").count() == 1  # the escalated one
    assert AppealEvent.objects.filter(action="rate").count() == 1

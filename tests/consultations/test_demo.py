"""seed_demo's consultations: every state across a few communities, idempotent."""

from __future__ import annotations

import io

import pytest

from consultations import demo
from consultations.models import Consultation, ConsultationStatus
from residents.demo import ensure_residents, ensure_role_accounts

pytestmark = pytest.mark.django_db


def test_demo_covers_every_state_and_runs_once(tree):
    shape = {
        "district": [tree.district],
        "street": [tree.street1, tree.street2],
        "community": [tree.community1, tree.community2],
        "grid": [tree.grid1, tree.grid2],
        "micro": [tree.micro1, tree.micro21, tree.micro2, tree.micro22],
        "dedicated": [tree.dedicated1],
    }
    ensure_residents(16, shape["micro"])
    ensure_role_accounts(shape)
    out = io.StringIO()
    demo.seed(shape=shape, stdout=out)
    states = set(Consultation.objects.values_list("status", flat=True))
    assert states == set(ConsultationStatus.values), set(ConsultationStatus.values) - states
    assert {c.grid_id for c in Consultation.objects.all()} == {tree.community1.pk, tree.community2.pk}
    count = Consultation.objects.count()
    demo.seed(shape=shape, stdout=out)
    assert Consultation.objects.count() == count

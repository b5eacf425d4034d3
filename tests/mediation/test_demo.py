"""The demo seed runs on a small shape, twice, adding nothing the second time."""

from __future__ import annotations

import io

import pytest

from mediation import demo
from mediation.models import Case, MediationTeam
from tests.helpers_demo import one_per_level

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent(tree):
    shape = one_per_level(tree)
    demo.seed(shape=shape, stdout=io.StringIO())
    teams, cases = MediationTeam.objects.count(), Case.objects.count()
    assert teams == 5 and cases == 3
    assert set(Case.objects.values_list("status", flat=True)) == {"applied", "accepted", "mediating"}
    demo.seed(shape=shape, stdout=io.StringIO())
    assert (MediationTeam.objects.count(), Case.objects.count()) == (teams, cases)

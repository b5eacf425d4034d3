"""The demo seed runs on a small shape, twice, adding nothing the second time."""

from __future__ import annotations

import io

import pytest

from mediation import demo
from mediation.models import Case, MediationTeam
from residents.demo import ensure_role_accounts

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent(tree):
    shape = {
        "district": [tree.district],
        "street": [tree.street1],
        "community": [tree.community1],
        "grid": [tree.grid1],
        "micro": [tree.micro1],
        "dedicated": [tree.dedicated1],
    }
    ensure_role_accounts(shape)
    demo.seed(shape=shape, stdout=io.StringIO())
    teams, cases = MediationTeam.objects.count(), Case.objects.count()
    assert teams == 5 and cases == 3
    assert set(Case.objects.values_list("status", flat=True)) == {"applied", "accepted", "mediating"}
    demo.seed(shape=shape, stdout=io.StringIO())
    assert (MediationTeam.objects.count(), Case.objects.count()) == (teams, cases)

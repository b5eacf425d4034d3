from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from grids.models import Assignment, GridLevel, GridUnit
from residents.models import Residence, User

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    by_level = {level: GridUnit.objects.filter(level=level).count() for level in GridLevel.values}
    return {
        **by_level,
        "users": User.objects.count(),
        "residences": Residence.objects.count(),
        "assignments": Assignment.objects.count(),
    }


def test_seed_demo_builds_the_district_once():
    out = io.StringIO()
    call_command("seed_demo", "--residents", "300", stdout=out)
    first = counts()
    assert {k: first[k] for k in GridLevel.values} == {
        "district": 1,
        "street": 14,
        "community": 159,
        "grid": 1080,
        "micro": 5888,
        "dedicated": 492,
    }
    assert Residence.objects.filter(status="verified", user__username__startswith="demo_resident_").count() == 300
    assert "demo_admin" in out.getvalue() and "yuandian-demo-2026" in out.getvalue()
    # every micro-grid sits under a grid, and codes extend their parent's code
    micro = GridUnit.objects.filter(level="micro").select_related("parent").first()
    assert micro.parent.level == "grid" and micro.code.startswith(micro.parent.code)
    assert micro.path.startswith(micro.parent.path)

    call_command("seed_demo", "--residents", "300", stdout=io.StringIO())
    assert counts() == first


def test_seed_demo_adds_only_the_missing_residents():
    call_command("seed_demo", "--residents", "100", stdout=io.StringIO())
    call_command("seed_demo", "--residents", "150", stdout=io.StringIO())
    assert User.objects.filter(username__startswith="demo_resident_").count() == 150
    assert Residence.objects.filter(user__username__startswith="demo_resident_").count() == 150

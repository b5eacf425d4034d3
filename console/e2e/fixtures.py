"""Fixtures the console's end-to-end journeys need on top of `seed_demo`, printed as JSON.

Run from the repository root: `python console/e2e/fixtures.py`. Uses the project's own models
as seed_demo does (a newcomer whose residence waits for verification; names of the units the
journeys pick in the grid picker).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402

from grids.models import GridUnit  # noqa: E402
from residents.demo import DEMO_PASSWORD  # noqa: E402
from residents.models import Residence, ResidenceStatus, User  # noqa: E402

resident = User.objects.get(username="demo_resident")
micro = Residence.objects.filter(user=resident, status=ResidenceStatus.VERIFIED).first().grid
chain = []
unit: GridUnit | None = micro
while unit is not None:
    chain.append(unit.name)
    unit = unit.parent
chain.reverse()  # district … micro

newcomer, _ = User.objects.get_or_create(
    username="e2e_newcomer", defaults={"nickname": "新搬来的居民", "password": make_password(DEMO_PASSWORD)}
)
Residence.objects.get_or_create(user=newcomer, grid=micro, defaults={"address": "2单元302室", "status": ResidenceStatus.PENDING})

print(json.dumps({"micro_id": micro.pk, "micro_chain": chain, "newcomer": newcomer.nickname}, ensure_ascii=False))

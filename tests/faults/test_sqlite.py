"""The embedded default (SQLite, no Redis) under concurrency, in a real server process: 24
ballots of one resident at once give one 201 and 409s, never `database is locked` (WAL, busy
timeout, BEGIN IMMEDIATE: backend/settings/database.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest

from .conftest import ROOT, Server

pytestmark = [pytest.mark.fault, pytest.mark.timeout(300)]

SEED = """
import json
from rest_framework_simplejwt.tokens import AccessToken
from grids.models import GridUnit
from tests.monthly.factories import candidates, make_round
from tests.residents.factories import ResidenceFactory, UserFactory
from tests.grids.factories import AssignmentFactory
district = GridUnit.objects.create(parent=None, level="district", code="410102", name="中原区")
street = GridUnit.objects.create(parent=district, level="street", code="410102001", name="街道")
community = GridUnit.objects.create(parent=street, level="community", code="410102001001", name="社区")
grid = GridUnit.objects.create(parent=community, level="grid", code="410102001001001", name="网格")
micro = GridUnit.objects.create(parent=grid, level="micro", code="410102001001001001", name="1号楼")
staff = UserFactory(username="staff")
AssignmentFactory(user=staff, unit=street, role="staff")
voter = UserFactory(username="voter")
ResidenceFactory(user=voter, grid=micro)
round_ = make_round(scope=street, staff=staff, open_voting=True)
print(json.dumps({"round": round_.pk, "choice": candidates(round_)[0].pk, "token": str(AccessToken.for_user(voter))}))
"""


def test_concurrent_ballots_on_sqlite_never_500():
    workdir = Path(tempfile.mkdtemp(prefix="yd-fault-sqlite-"))
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL", "DB_POOL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="backend.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        DEV_KEYS="1",
        CELERY_TASK_ALWAYS_EAGER="1",
        THROTTLE_BALLOT="100000/min",
        THROTTLE_USER="100000/min",
        MEDIA_ROOT=str(workdir / "media"),
    )
    server = None
    try:
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, capture_output=True)
        seeded = subprocess.run(
            [*manage, "shell", "-c", SEED], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        data = json.loads(seeded.stdout.strip().splitlines()[-1])
        server = Server(env, kind="asgi")
        barrier = threading.Barrier(24)
        answers: list[int] = []

        def cast() -> None:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                barrier.wait()
                answer = client.post(
                    f"/api/v1/monthly/rounds/{data['round']}/ballot",
                    json={"choices": [data["choice"]]},
                    headers={"Authorization": f"Bearer {data['token']}"},
                )
                answers.append(answer.status_code)

        threads = [threading.Thread(target=cast) for _ in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert Counter(answers) == {201: 1, 409: 23}, (Counter(answers), server.log.read_text()[-3000:])
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

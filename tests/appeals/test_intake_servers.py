"""Appeal numbers stay unique when submissions arrive at once at two server processes (two
granian WSGI servers on the test database, like two hosts behind the load balancer)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from appeals.models import Appeal

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(240)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    auth = f"{db['USER']}:{db['PASSWORD']}" if db.get("PASSWORD") else db["USER"]
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def two_servers(transactional_db: Any, tmp_path: Path) -> Iterator[list[str]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": django_settings.REDIS_URL,
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "WARNING",
    }
    granian = str(Path(sys.executable).parent / "granian")
    procs, bases = [], []
    for _ in range(2):
        port = _free_port()
        command = [granian, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", "1", "--blocking-threads", "4", "--no-ws", "backend.wsgi:application"]
        procs.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        bases.append(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 90
        for proc, base in zip(procs, bases, strict=True):
            while True:
                assert proc.poll() is None, "server exited"
                try:
                    if httpx.get(f"{base}/healthz", headers={"X-Forwarded-Proto": "https"}).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "server did not answer /healthz"
                time.sleep(0.2)
        yield bases
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_unique_numbers_under_50_concurrent_submissions_across_two_servers(two_servers, tree):
    token = str(RefreshToken.for_user(tree.resident1).access_token)
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-Proto": "https"}
    body = {"category": "facilities", "title": "路灯不亮", "description": "3号楼东侧路灯不亮。"}

    def submit(i: int) -> httpx.Response:
        return httpx.post(f"{two_servers[i % 2]}/api/v1/appeals", json=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(submit, range(50)))
    assert [a.status_code for a in answers] == [201] * 50, [a.text[:200] for a in answers if a.status_code != 201]
    numbers = [a.json()["number"] for a in answers]
    assert len(set(numbers)) == 50
    assert all(re.fullmatch(r"SQ\d{8}-\d{6}", n) for n in numbers)
    assert sorted(Appeal.objects.values_list("number", flat=True)) == sorted(numbers)

"""Fixtures of the notifications tests: the fake robots, group chats, and real Celery workers
(separate processes on the test database and the test Redis, like production)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings

from backend.celery import app as celery_app
from notifications.models import GroupChat
from tests.fakes.robots import FakeRobots, Robot
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]

# The workers run with short clocks so the tests stay quick: the robots' limit is still 20
# messages, per 6-second window instead of a minute (the fake robots enforce the same).
WORKER_WINDOW_SECONDS = 6.0
WORKER_ENV = {
    "ROBOT_RATE_WINDOW_SECONDS": str(WORKER_WINDOW_SECONDS),
    "DELIVERY_RETRY_BASE_SECONDS": "0.5",
    "DELIVERY_RETRY_MAX_SECONDS": "2",
    "DELIVERY_LEASE_SECONDS": "4",
    "OUTBOUND_CONNECT_TIMEOUT": "1",
    "OUTBOUND_READ_TIMEOUT": "2",
}


@pytest.fixture
def robots(settings: Any) -> Iterator[FakeRobots]:
    fake = FakeRobots().start()
    settings.ROBOT_WEBHOOK_EXTRA_HOSTS = ["127.0.0.1"]
    yield fake
    fake.stop()


@pytest.fixture
def make_chat(robots: FakeRobots) -> Callable[..., tuple[GroupChat, Robot]]:
    def make(grid: Any, provider: str = "wecom", *, secret: str = "", name: str = "") -> tuple[GroupChat, Robot]:
        robot, url = robots.add(provider, secret=secret)
        chat = GroupChat(grid=grid, name=name or f"{grid.name}群", provider=provider, webhook_url=url, secret=secret)
        chat.save()
        return chat, robot

    return make


# --- real Celery workers -------------------------------------------------------------------


class Workers:
    """Celery worker processes against the test database; started on demand, killable."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.serial = 0

    def start(self, concurrency: int = 8) -> str:
        self.serial += 1
        name = f"w{self.serial}"
        log = Path(tempfile.gettempdir()) / f"yd-notif-{os.getpid()}-{name}.log"
        self.logs[name] = log
        command = [sys.executable, "-m", "celery", "-A", "backend", "worker", "-P", "threads"]
        command += ["-c", str(concurrency), "-n", f"{name}@%h", "-l", "info"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with log.open("wb") as out:
            self.procs[name] = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while " ready." not in log.read_text(errors="replace"):
            if self.procs[name].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {name} did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        return name

    def alive(self) -> list[str]:
        return [name for name, proc in self.procs.items() if proc.poll() is None]

    def ensure(self, count: int = 2) -> list[str]:
        while len(self.alive()) < count:
            self.start()
        return self.alive()[:count]

    def kill(self, name: str) -> None:
        """SIGKILL: no chance to finish or hand anything back."""
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@pytest.fixture(scope="session")
def celery_workers(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Workers]:
    """Worker processes on the test database (`test_<name>`), the test Redis and broker."""
    from django.db import connection

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if db.get("PASSWORD"):
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": url,
        "REDIS_URL": django_settings.REDIS_URL,
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        **WORKER_ENV,
    }
    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()  # this run's own broker db
    workers = Workers(env)
    yield workers
    workers.stop_all()


@pytest.fixture
def live_celery(celery_workers: Workers, transactional_db: Any, settings: Any) -> Iterator[Workers]:
    """Two running workers; this process publishes to the broker instead of running tasks."""
    celery_workers.ensure(2)
    settings.ROBOT_RATE_WINDOW_SECONDS = WORKER_WINDOW_SECONDS
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield celery_workers
    celery_app.conf.task_always_eager = eager


def wait_for(condition: Callable[[], Any], timeout: float = 120.0, step: float = 0.2) -> Any:
    return wait_until(condition, timeout=timeout, step=step)

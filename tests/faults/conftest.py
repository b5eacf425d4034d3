"""The fault suite's own infrastructure: a redis-server and a PostgreSQL cluster started in temp
dirs on free ports (never the machine's shared ones), the HTTP API under granian as in
production, nginx in front of it from bin/deploy/nginx.conf, and Celery workers. The tests stop
and restart these to inject faults; everything here is torn down by the fixtures."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], Any], timeout: float = 30.0, step: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except Exception:
            value = None
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="yd-fault-redis-"))
        self.proc: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        # Append-only on, as a production broker runs: queued tasks survive a restart.
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir)]
        command += ["--save", "", "--appendonly", "yes", "--logfile", str(self.dir / "redis.log")]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_until(lambda: port_open(self.port), 15), "redis-server did not start"
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(15)
        assert wait_until(lambda: not port_open(self.port), 5)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    assert found, f"no {name} under /usr/lib/postgresql"
    return found[-1]


class PostgresServer:
    """A throwaway cluster (initdb, trust auth) owned by the test run."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="yd-fault-pg-"))
        self.data = self.dir / "data"
        self.user = "postgres"
        self._as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.dir, "postgres", "postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]

    def url(self, db: str = "postgres") -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{db}"

    def _run(self, *command: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self._as_user, *command], capture_output=True, text=True, check=True)

    def init(self) -> PostgresServer:
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", self.user, "--no-sync")
        return self

    def start(self) -> PostgresServer:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "pg.log"), "-o", options, "-w", "start")
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    """A server process (granian WSGI by default, the README's production line) on a free port."""

    def __init__(self, env: dict[str, str], *, kind: str = "granian", threads: int = 2) -> None:
        self.port = free_port()
        self.log = Path(tempfile.mkstemp(prefix=f"yd-fault-{kind}-", suffix=".log")[1])
        if kind == "granian":
            command = [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(self.port)]
            command += ["--workers", "1", "--blocking-threads", str(threads), "backend.wsgi:application"]
        else:  # the embedded default's ASGI server (bin/demo)
            command = [str(BIN / "uvicorn"), "backend.asgi:application", "--host", "127.0.0.1"]
            command += ["--port", str(self.port), "--log-level", "warning"]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        if not wait_until(lambda: httpx.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503), 60, 0.3):
            self.stop()
            raise RuntimeError(f"server did not start:\n{self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class Nginx:
    def __init__(self, http_upstream: str) -> None:
        self.port = free_port()
        self.prefix = Path(tempfile.mkdtemp(prefix="yd-fault-nginx-"))
        conf = (ROOT / "bin" / "deploy" / "nginx.conf").read_text()
        for name, value in {
            "@PREFIX@": str(self.prefix),
            "@LISTEN@": f"127.0.0.1:{self.port}",
            "@HTTP_UPSTREAM@": http_upstream,
            "@WS_UPSTREAM@": http_upstream,
        }.items():
            conf = conf.replace(name, value)
        if os.geteuid() == 0:
            conf = "user root;\n" + conf  # temp dirs of this run belong to root
        (self.prefix / "nginx.conf").write_text(conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen(
            [nginx, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        assert wait_until(lambda: port_open(self.port), 15), (self.prefix / "error.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.prefix, ignore_errors=True)


@contextlib.contextmanager
def embedded_server(seed: str, **overrides: str) -> Iterator[tuple[Server, dict[str, Any]]]:
    """The embedded default (SQLite, local-memory cache, in-memory channel layer, eager Celery:
    no REDIS_URL) in a real ASGI server process as bin/demo runs it, on a fresh database that
    `seed` (Python for `manage.py shell`, printing one JSON line last) fills. Yields the server
    and what the seed printed."""
    workdir = Path(tempfile.mkdtemp(prefix="yd-fault-sqlite-"))
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL", "DB_POOL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="backend.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        DEV_KEYS="1",
        CELERY_TASK_ALWAYS_EAGER="1",
        LOG_LEVEL="WARNING",
        MEDIA_ROOT=str(workdir / "media"),
    )
    env.update(overrides)
    server = None
    try:
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, capture_output=True)
        seeded = subprocess.run(
            [*manage, "shell", "-c", seed], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        data = json.loads(seeded.stdout.strip().splitlines()[-1])
        server = Server(env, kind="asgi")
        yield server, data
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def run_database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def server_env(**overrides: str) -> dict[str, str]:
    """The environment of a production-like process (pool on, real broker, DEBUG off)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DEV_KEYS": "1",
        "DB_POOL": "1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "WARNING",
        "ROBOT_WEBHOOK_EXTRA_HOSTS": "127.0.0.1",
        "THROTTLE_ANON": "100000/min",
        "THROTTLE_USER": "100000/min",
        "THROTTLE_LOGIN": "100000/min",
        "THROTTLE_BALLOT": "100000/min",
    }
    env.update(overrides)
    return env


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer().init().start()
    yield server
    server.cleanup()

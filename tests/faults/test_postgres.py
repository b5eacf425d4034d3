"""PostgreSQL stopped under the production server (granian WSGI, the per-process pool):
requests answer 503 with Retry-After within the pool's short wait, /healthz names the
database at once, and service comes back by itself when PostgreSQL does."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import httpx
import pytest

from .conftest import PostgresServer, RedisServer, Server, run_database_url, server_env, wait_until

pytestmark = [pytest.mark.fault, pytest.mark.timeout(240)]

# The client gives each request this long: a request held for the old pool timeout (10 s)
# would fail the test by timing out, not by a clock assertion.
CLIENT_TIMEOUT = 4.0


@pytest.fixture
def stack(postgres_server: PostgresServer, django_db_setup, django_db_blocker) -> Iterator[tuple[Server, PostgresServer]]:
    """The server on its own cluster, with the test database's schema copied into it."""
    with django_db_blocker.unblock():
        source = run_database_url()
    subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(postgres_server.port), "-U", "postgres", "yd_fault"], check=False)
    dump = subprocess.run(["pg_dump", "--schema-only", "--no-owner", "--no-privileges", source], capture_output=True, check=True)
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=0", postgres_server.url("yd_fault")],
        input=dump.stdout,
        capture_output=True,
        check=True,
    )
    redis_server = RedisServer().start()
    env = server_env(
        DATABASE_URL=postgres_server.url("yd_fault"),
        REDIS_URL=redis_server.url(0),
        CELERY_BROKER_URL=redis_server.url(1),
    )
    server = Server(env, threads=4)
    yield server, postgres_server
    server.stop()
    redis_server.cleanup()
    if not (postgres_server.data / "postmaster.pid").exists():
        postgres_server.start()


def login(server: Server) -> httpx.Response:
    body = {"username": "nobody", "password": "wrong"}
    return httpx.post(f"{server.url}/api/v1/auth/password-login", json=body, timeout=CLIENT_TIMEOUT)


def test_postgres_down_answers_503_quickly_and_recovers(stack):
    server, pg = stack
    assert login(server).status_code == 400  # the schema is there: an ordinary refusal
    assert httpx.get(f"{server.url}/healthz", timeout=CLIENT_TIMEOUT).status_code == 200

    pg.stop()
    answers = [login(server) for _ in range(3)]
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "service_unavailable"
        assert int(answer.headers["Retry-After"]) > 0
    health = httpx.get(f"{server.url}/healthz", timeout=CLIENT_TIMEOUT)
    assert health.status_code == 503 and "database" in health.json()["failing"]

    pg.start()
    assert wait_until(lambda: login(server).status_code == 400, timeout=30, step=0.5)
    assert httpx.get(f"{server.url}/healthz", timeout=CLIENT_TIMEOUT).status_code == 200

"""Against the production server line (granian WSGI, few blocking threads) behind the nginx of
bin/deploy/nginx.conf: half-sent bodies do not freeze the API, and every anonymous 500 the
probe found is a 4xx now."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from rest_framework_simplejwt.tokens import AccessToken

from .conftest import Nginx, RedisServer, Server, run_database_url, server_env

pytestmark = [pytest.mark.fault, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker) -> Iterator[tuple[Server, Nginx]]:
    redis_server = RedisServer().start()
    with django_db_blocker.unblock():
        database = run_database_url()
    env = server_env(
        DATABASE_URL=database,
        REDIS_URL=redis_server.url(0),
        CELERY_BROKER_URL=redis_server.url(1),
        NUM_PROXIES="1",
    )
    server = Server(env, threads=2)
    nginx = Nginx(f"127.0.0.1:{server.port}")
    yield server, nginx
    nginx.stop()
    server.stop()
    redis_server.cleanup()


def half_sent(port: int) -> socket.socket:
    """A login whose body stops after 13 of the 100 bytes it announced."""
    sock = socket.create_connection(("127.0.0.1", port))
    head = (
        "POST /api/v1/auth/password-login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
    sock.sendall(head.encode() + b'{"username":')
    return sock


def test_slow_bodies_do_not_freeze_the_api_behind_nginx(stack):
    _, nginx = stack
    # Twice as many as the server has blocking threads (1 worker x 2).
    held = [half_sent(nginx.port) for _ in range(4)]
    try:
        for _ in range(3):
            response = httpx.get(f"{nginx.url}/healthz", timeout=5)
            assert response.status_code == 200, response.text
        login = httpx.post(f"{nginx.url}/api/v1/auth/password-login", json={"username": "x", "password": "y"}, timeout=5)
        assert login.status_code == 400
    finally:
        for sock in held:
            sock.close()


def test_the_server_names_no_software(stack):
    server, nginx = stack
    for base in (server.url, nginx.url):
        response = httpx.get(f"{base}/healthz", timeout=5)
        assert "granian" not in response.headers.get("server", "").lower()


@pytest.mark.django_db
def test_each_anonymous_500_is_now_a_4xx(stack):
    server, _ = stack
    base = server.url
    nested = httpx.post(
        f"{base}/api/v1/auth/password-login",
        content=b"[" * 100_000,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert nested.status_code == 400
    for path in ("/api/v1/monthly/rounds/3/receipts/a%00b", "/open311/v2/requests/1%00.json"):
        assert httpx.get(f"{base}{path}", timeout=10).status_code in (400, 404)
    token = AccessToken()
    token["user_id"] = "not-a-number"
    me = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 401
    # The forged cursor (`?cursor=` + base64 of `p=x`) is the cursor decoder's, fixed on branch
    # `schema` in backend/pagination.py with its own tests.

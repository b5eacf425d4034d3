"""Password login: Django's authenticate() (the hasher runs for unknown users too, failures
send user_login_failed), a lock-out whose Retry-After is what is left of the lock, throttles
keyed by the socket's address unless NUM_PROXIES says otherwise."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.signals import user_login_failed
from django.test import Client

from backend import throttling

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/password-login"


@pytest.fixture
def staff(tree):
    tree.staff1.set_password("right-password-2026")
    tree.staff1.save()
    return tree.staff1


class CountingHasher(MD5PasswordHasher):
    """Django's test hasher, counting how often a password is hashed."""

    calls = 0

    def encode(self, password: str, salt: str) -> str:
        type(self).calls += 1
        return super().encode(password, salt)


def test_unknown_users_cost_a_hash_and_failures_are_signalled(api, staff, settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    failed: list[dict] = []

    def record(sender, credentials, **kwargs):
        failed.append(credentials)

    user_login_failed.connect(record)
    CountingHasher.calls = 0
    try:
        assert api.post(LOGIN, {"username": "no-such-user", "password": "guess"}).status_code == 400
    finally:
        user_login_failed.disconnect(record)
    assert CountingHasher.calls >= 1, "the hasher ran for an unknown username"
    assert failed and failed[0]["username"] == "no-such-user" and failed[0]["password"] != "guess"


def test_the_lock_reports_its_real_remaining_time(api, staff, settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_LOCKOUT_SECONDS = 600
    for _ in range(3):
        assert api.post(LOGIN, {"username": staff.username, "password": "wrong"}).status_code == 400
    locked = api.post(LOGIN, {"username": staff.username, "password": "right-password-2026"})
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "login_locked"
    assert 590 <= int(locked["Retry-After"]) <= 600
    # The lock's clock does not restart with each refused attempt.
    client = throttling._redis(settings.REDIS_URL)
    name = next(iter(client.keys("lockout:login:*")))
    client.expire(name, 5)
    again = api.post(LOGIN, {"username": staff.username, "password": "right-password-2026"})
    assert again.status_code == 429 and int(again["Retry-After"]) <= 5
    client.delete(name)
    assert api.post(LOGIN, {"username": staff.username, "password": "right-password-2026"}).status_code == 200


def test_a_new_x_forwarded_for_does_not_make_a_new_client(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    from rest_framework.settings import api_settings

    assert api_settings.NUM_PROXIES == 0
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "login": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    codes = [
        Client().post(
            LOGIN, {"username": "x", "password": "y"}, content_type="application/json", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
        ).status_code
        for i in range(5)
    ]
    assert codes[:3] == [400, 400, 400] and codes[3:] == [429, 429]


def test_throttles_fail_open_locally_when_redis_is_unreachable(settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    throttling.redis_breaker.open_until = 0
    counts = [throttling.hit("throttle:test:fallback:1", 60) for _ in range(3)]
    assert counts == [1, 2, 3]
    assert not throttling.redis_breaker.closed()

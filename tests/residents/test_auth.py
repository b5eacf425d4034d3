"""Logging in: WeChat (code2Session on the fake server) and staff passwords, tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from residents.models import User

pytestmark = pytest.mark.django_db


def test_wechat_login_creates_the_resident_once(api, wechat):
    first = api.post("/api/v1/auth/wechat-login", {"code": "abc"})
    assert first.status_code == 200, first.content
    body = first.json()
    assert {"access", "refresh", "user"} <= set(body)
    assert body["user"]["verified"] is False
    again = api.post("/api/v1/auth/wechat-login", {"code": "abc"})
    assert again.json()["user"]["id"] == body["user"]["id"]
    assert User.objects.filter(openid="o-abc").count() == 1
    (call,) = wechat.calls("/sns/jscode2session")[:1]
    assert call.query["js_code"] == "abc" and call.query["grant_type"] == "authorization_code"


def test_wechat_errcode_is_400_wechat_login_failed(api, wechat):
    response = api.post("/api/v1/auth/wechat-login", {"code": "bad"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "wechat_login_failed"
    assert "40029" in response.json()["error"]["message"]
    assert not User.objects.filter(openid__isnull=False).exists()


def test_wechat_unreachable_is_503_not_500(api, settings):
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    response = api.post("/api/v1/auth/wechat-login", {"code": "abc"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "wechat_unavailable"


def test_wechat_server_error_is_503(api, wechat):
    wechat.behaviour["down"] = True
    response = api.post("/api/v1/auth/wechat-login", {"code": "abc"})
    assert response.status_code == 503


def test_empty_code_is_400_with_field(api, wechat):
    response = api.post("/api/v1/auth/wechat-login", {"code": ""})
    assert response.status_code == 400
    assert "code" in response.json()["error"]["fields"]
    assert wechat.calls("/sns/jscode2session") == []


def test_password_login_and_me(api, tree):
    response = api.post("/api/v1/auth/password-login", {"username": "staff1", "password": "Pa55word!x"})
    assert response.status_code == 200, response.content
    access = response.json()["access"]
    me = api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert me.status_code == 200
    assert me.json()["roles"] == [{"role": "staff", "grid": tree.street1.pk, "grid_name": tree.street1.name}]


def test_wrong_password_is_400_invalid_credentials(api, tree):
    response = api.post("/api/v1/auth/password-login", {"username": "staff1", "password": "nope"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_unknown_user_reads_like_a_wrong_password(api, db):
    response = api.post("/api/v1/auth/password-login", {"username": "ghost", "password": "nope"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_repeated_failures_lock_the_account(api, tree, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        assert api.post("/api/v1/auth/password-login", {"username": "staff1", "password": "x"}).status_code == 400
    locked = api.post("/api/v1/auth/password-login", {"username": "staff1", "password": "Pa55word!x"})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "login_locked"
    assert int(locked["Retry-After"]) > 0
    # Another account is not locked by these failures.
    assert api.post("/api/v1/auth/password-login", {"username": "staff2", "password": "Pa55word!x"}).status_code == 200


def test_refresh_gives_a_new_access_token(api, tree):
    tokens = api.post("/api/v1/auth/password-login", {"username": "staff1", "password": "Pa55word!x"}).json()
    response = api.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]})
    assert response.status_code == 200
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}").status_code == 200


def test_refresh_with_garbage_is_401(api, db):
    response = api.post("/api/v1/auth/refresh", {"refresh": "not-a-token"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_expired_access_token_is_401(api, tree):
    token = AccessToken.for_user(tree.staff1)
    token.set_exp(lifetime=-timedelta(seconds=1))
    response = api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_no_token_is_401(api, db):
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_wechat_login_records_the_login(api, wechat):
    """The dashboard counts residents active in the last 30 days by it."""
    api.post("/api/v1/auth/wechat-login", {"code": "abc"})
    first = User.objects.get(openid="o-abc").last_login
    assert first is not None
    api.post("/api/v1/auth/wechat-login", {"code": "abc"})
    assert User.objects.get(openid="o-abc").last_login > first

"""Session, auth and messages middleware: skipped by token API calls, intact for the admin."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.residents.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_token_api_call_loads_no_session_and_answers_as_before(api, tree):
    response = api.as_user(tree.resident1).get("/api/v1/me")
    assert response.status_code == 200 and response.json()["id"] == tree.resident1.pk
    assert not hasattr(response.wsgi_request, "session")
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")
    assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Frame-Options"] == "DENY"


def test_a_bad_token_is_still_401(api):
    client = api.as_user(None)
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert not hasattr(response.wsgi_request, "session")


def test_calls_with_a_session_cookie_or_without_a_token_keep_the_session(api, tree):
    client = api.as_user(tree.resident1)
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    assert hasattr(client.get("/api/v1/me").wsgi_request, "session")
    assert hasattr(api.get("/api/v1/me").wsgi_request, "session")  # 401 without a token
    assert hasattr(api.as_user(tree.resident1).get("/admin/login/").wsgi_request, "session")


def test_the_admin_keeps_sessions_and_csrf():
    admin = UserFactory(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    page = browser.get("/admin/", HTTP_X_FORWARDED_PROTO="https")
    assert page.status_code == 200 and page.wsgi_request.user == admin
    forged = Client(enforce_csrf_checks=True).post(
        "/admin/login/", {"username": "x", "password": "y"}, HTTP_X_FORWARDED_PROTO="https"
    )
    assert forged.status_code == 403  # no CSRF token

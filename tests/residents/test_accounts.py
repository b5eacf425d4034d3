"""Profile, phone binding (getuserphonenumber on the fake WeChat) and staff-side accounts."""

from __future__ import annotations

import pytest
from django.db import connection

from backend.crypto import lookup_digest
from grids.models import Assignment
from residents.models import User

pytestmark = pytest.mark.django_db


def test_patch_me_changes_nickname_and_avatar(api, tree):
    response = api.as_user(tree.resident1).patch(
        "/api/v1/me", {"nickname": "老王", "avatar_url": "https://example.com/a.png"}
    )
    assert response.status_code == 200
    assert response.json()["nickname"] == "老王"
    assert api.as_user(tree.resident1).patch("/api/v1/me", {"avatar_url": "not a url"}).status_code == 400


def test_bind_phone_stores_it_encrypted_and_shows_it_masked(api, tree, wechat):
    response = api.as_user(tree.resident1).post("/api/v1/me/phone", {"code": "phone-code"})
    assert response.status_code == 200, response.content
    assert response.json()["phone_masked"] == "138****5678"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone_encrypted, phone_digest FROM residents_user WHERE id = %s", [tree.resident1.pk])
        raw, digest = cursor.fetchone()
    assert "13812345678" not in raw and digest == lookup_digest("13812345678")
    assert User.objects.get(phone_digest=lookup_digest("13812345678")).pk == tree.resident1.pk
    # the access token was fetched once and sent along
    assert wechat.calls("/wxa/business/getuserphonenumber")[0].query["access_token"].startswith("token-")


def test_bind_phone_refreshes_a_stale_access_token(api, tree, wechat):
    api.as_user(tree.resident1).post("/api/v1/me/phone", {"code": "first"})
    wechat.behaviour["expire_token"] = True
    response = api.as_user(tree.resident1).post("/api/v1/me/phone", {"code": "second"})
    assert response.status_code == 200
    assert len(wechat.calls("/cgi-bin/token")) == 2


def test_bind_phone_with_a_bad_code_is_400(api, tree, wechat):
    response = api.as_user(tree.resident1).post("/api/v1/me/phone", {"code": "bad"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "wechat_phone_failed"
    assert User.objects.get(pk=tree.resident1.pk).phone == ""


def test_admin_creates_a_staff_account_with_a_role(api, tree):
    response = api.as_user(tree.admin).post(
        "/api/v1/users",
        {
            "username": "wang.gw",
            "password": "Grid-Worker-2026",
            "name": "王网格员",
            "phone": "13900001111",
            "grid": tree.grid2.pk,
            "role": "grid_worker",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["phone_masked"] == "139****1111"
    user = User.objects.get(username="wang.gw")
    assert Assignment.objects.filter(user=user, unit=tree.grid2, role="grid_worker").exists()
    login = api.post("/api/v1/auth/password-login", {"username": "wang.gw", "password": "Grid-Worker-2026"})
    assert login.status_code == 200


def test_contract_body_without_grid_is_accepted(api, tree):
    response = api.as_user(tree.admin).post(
        "/api/v1/users", {"username": "li.staff", "password": "Street-Staff-2026", "name": "李", "phone": ""}
    )
    assert response.status_code == 201


def test_only_admins_create_accounts(api, tree):
    body = {"username": "x.y", "password": "Street-Staff-2026", "name": "某", "phone": "13900001111"}
    assert api.as_user(tree.staff1).post("/api/v1/users", body).status_code == 403
    assert api.as_user(tree.resident1).post("/api/v1/users", body).status_code == 403
    assert not User.objects.filter(username="x.y").exists()


def test_an_admin_of_one_street_cannot_place_accounts_in_another(api, tree):
    from tests.grids.factories import AssignmentFactory

    AssignmentFactory(user=tree.staff1, unit=tree.street1, role="admin")
    body = {"username": "x.z", "password": "Street-Staff-2026", "grid": tree.grid2.pk, "role": "staff"}
    assert api.as_user(tree.staff1).post("/api/v1/users", body).status_code == 403
    body["grid"] = tree.grid1.pk
    assert api.as_user(tree.staff1).post("/api/v1/users", body).status_code == 201


def test_duplicate_usernames_and_weak_passwords(api, tree):
    taken = api.as_user(tree.admin).post("/api/v1/users", {"username": "staff1", "password": "Street-Staff-2026"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "duplicate_username"
    weak = api.as_user(tree.admin).post("/api/v1/users", {"username": "new.one", "password": "123"})
    assert weak.status_code == 400 and "password" in weak.json()["error"]["fields"]
    half = api.as_user(tree.admin).post(
        "/api/v1/users", {"username": "new.two", "password": "Street-Staff-2026", "grid": tree.grid1.pk}
    )
    assert half.status_code == 400


def test_superuser_logs_in_by_password_and_is_admin_everywhere(api, tree):
    User.objects.create_superuser("root", password="Root-Pass-2026")
    tokens = api.post("/api/v1/auth/password-login", {"username": "root", "password": "Root-Pass-2026"}).json()
    client = api.as_user(User.objects.get(username="root"))
    assert client.get(f"/api/v1/grids/{tree.micro2.pk}/assignments").status_code == 200
    assert tokens["user"]["roles"] == []

"""Phones of parties: full for staff of the case's subtree (and each view logged), masked for
everyone else, including the mediators, the parties and the admin list."""

from __future__ import annotations

import pytest

from residents.models import PersonalDataAccess

from .conftest import PHONE

pytestmark = pytest.mark.django_db

MASKED = "138****5678"


def _phones(api, user, case_id):
    response = api.as_user(user).get(f"/api/v1/mediation/cases/{case_id}")
    assert response.status_code == 200, response.content
    return [(p["phone"], p["phone_masked"]) for p in response.json()["parties"]]


@pytest.mark.parametrize("who", ["staff1", "admin"])
def test_staff_of_the_subtree_see_phones_and_are_logged(api, tree, teams, make_case, who):
    case = make_case("mediating")
    viewer = getattr(tree, who)
    assert _phones(api, viewer, case.pk)[0] == (PHONE, MASKED)
    logged = PersonalDataAccess.objects.filter(accessor=viewer, field="phone")
    assert sorted(logged.values_list("subject", flat=True)) == [
        f"mediation.Party:{p.pk}" for p in case.parties.exclude(phone_digest="").order_by("pk")
    ]


@pytest.mark.parametrize("who", ["med1", "lead1", "resident1"])
def test_everyone_else_sees_them_masked(api, tree, teams, make_case, who):
    case = make_case("mediating")
    viewer = getattr(teams, who, None) or getattr(tree, who)
    assert _phones(api, viewer, case.pk)[0] == (None, MASKED)
    assert PHONE not in api.as_user(viewer).get(f"/api/v1/mediation/cases/{case.pk}").content.decode()
    assert not PersonalDataAccess.objects.filter(accessor=viewer).exists()


def test_phones_are_encrypted_at_rest(tree, teams, make_case):
    from django.db import connection

    case = make_case("applied")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM mediation_party WHERE case_id = %s", [case.pk])
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and all(PHONE not in value for value in stored)


def test_the_admin_list_masks_phones(client, tree, teams, make_case):
    from tests.residents.factories import UserFactory

    make_case("applied")
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    page = client.get("/admin/mediation/party/")
    assert page.status_code == 200
    html = page.content.decode()
    assert MASKED in html and PHONE not in html
    case = make_case("mediating")
    for url in [
        f"/admin/mediation/party/{case.parties.first().pk}/change/",
        f"/admin/mediation/case/{case.pk}/change/",
    ]:
        page = client.get(url)
        assert page.status_code == 200 and MASKED in page.content.decode() and PHONE not in page.content.decode()
    for model in ["mediationteam", "teammember", "case", "session", "agreement", "followup", "caseevent"]:
        assert client.get(f"/admin/mediation/{model}/").status_code == 200, model

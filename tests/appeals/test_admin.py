"""The Django admin lists and opens every appeals model (the phone stays out of it)."""

from __future__ import annotations

import pytest
from django.test import Client

from appeals.models import HotlineSync
from tests.residents.factories import UserFactory

from .factories import make_appeal

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["appeal", "appealattachment", "appealevent", "appealnumbercounter", "hotlinesync"])
def test_changelists_render(tree, model):
    make_appeal(submitter=tree.resident1)
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get(f"/admin/appeals/{model}/").status_code == 200


def test_appeal_change_page_hides_the_phone(tree):
    tree.resident1.set_phone("13900001111")
    tree.resident1.save()
    appeal = make_appeal(submitter=tree.resident1)
    appeal.contact_phone = "13700009999"
    appeal.save()
    HotlineSync.objects.create(
        appeal=appeal, order_id="X", status="accepted", at=appeal.created_at, next_attempt_at=appeal.created_at
    )
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    page = client.get(f"/admin/appeals/appeal/{appeal.pk}/change/")
    assert page.status_code == 200
    assert "13700009999" not in page.content.decode()

"""The admin lists and opens every resources model with the demo data in it (contacts stay
masked), and the demo seed is idempotent."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from resources import demo
from resources.models import Provider, Reservation, Shift, Station, Tip, Volunteer
from tests.helpers_demo import one_per_level
from tests.residents.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = ["provider", "booking", "station", "stationcheckin", "patrol", "volunteer", "shift", "tip"]


@pytest.fixture
def seeded(tree):
    shape = one_per_level(tree)
    demo.seed(shape=shape, stdout=io.StringIO())
    return shape


def test_seed_is_idempotent(seeded):
    counts = [m.objects.count() for m in (Provider, Station, Reservation, Volunteer, Shift, Tip)]
    assert counts == [3, 1, 1, 1, 1, 1]
    demo.seed(shape=seeded, stdout=io.StringIO())
    assert [m.objects.count() for m in (Provider, Station, Reservation, Volunteer, Shift, Tip)] == counts


@pytest.mark.parametrize("model", MODELS)
def test_changelists_and_change_pages_render(seeded, model):
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get(f"/admin/resources/{model}/").status_code == 200


def test_provider_change_page_shows_the_contact_masked(seeded):
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    provider = Provider.objects.get(name="老张师傅水电维修")
    page = client.get(f"/admin/resources/provider/{provider.pk}/change/").content.decode()
    assert "138****0001" in page and "13800000001" not in page

"""Idempotency-Key on POST /mediation/cases: the same key from the same user, one case."""

from __future__ import annotations

import pytest

from mediation.models import Case

from .conftest import case_body

pytestmark = pytest.mark.django_db


def test_a_retried_case_is_filed_once(api, tree, teams, sent):
    client = api.as_user(tree.resident1)
    first = client.post("/api/v1/mediation/cases", case_body(), HTTP_IDEMPOTENCY_KEY="case-1")
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/mediation/cases", case_body(), HTTP_IDEMPOTENCY_KEY="case-1")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Case.objects.count() == 1

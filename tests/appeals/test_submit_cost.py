"""What one submission costs in queries, pinned so the answer's read-back cannot creep back:
the answer is built from the rows the submission wrote, and equals what a read then shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from appeals import services
from appeals.models import Appeal

from .factories import photo_bytes, upload

pytestmark = pytest.mark.django_db

BODY = {"category": "environment", "title": "路灯坏了", "description": "三号楼门口的路灯不亮", "address": "三号楼"}

# Auth user, residence with its home unit and that unit's parent (the handling unit), number,
# appeal (the repeat test inside its INSERT), timeline row, message + inbox rows + deliveries,
# the caller's reach (for the answer's actions), and the test's savepoint pair: no read of the
# appeal, its timeline or its photos after the writes.
SUBMIT_QUERIES = 11


def test_a_submission_answers_without_reading_the_appeal_back(api, tree, django_assert_max_num_queries):
    client = api.as_user(tree.resident1)
    assert client.post("/api/v1/appeals", BODY).status_code == 201  # warm per-process caches
    with django_assert_max_num_queries(SUBMIT_QUERIES):
        response = client.post("/api/v1/appeals", {**BODY, "location": {"lat": 34.7512345678, "lng": 113.6}})
    assert response.status_code == 201, response.content
    assert response.json() == client.get(f"/api/v1/appeals/{response.json()['id']}").json()


def test_a_submission_with_photos_answers_them_as_a_read_does(api, tree):
    client = api.as_user(tree.resident1)
    photos = [
        client.post("/api/v1/attachments", {"file": upload(data=photo_bytes())}, format="multipart").json()["id"]
        for _ in range(2)
    ]
    response = client.post("/api/v1/appeals", {**BODY, "attachments": photos, "is_public": True})
    assert response.status_code == 201, response.content
    body, read = response.json(), client.get(f"/api/v1/appeals/{response.json()['id']}").json()
    assert [a["id"] for a in body["attachments"]] == [a["id"] for a in read["attachments"]] == sorted(photos)
    strip = lambda d: {**d, "attachments": [a["id"] for a in d["attachments"]]}  # noqa: E731 (signed URLs differ)
    assert strip(body) == strip(read)


def test_the_repeat_flag_is_stored_and_answered_by_the_insert(api, tree):
    """The repeat test runs inside the appeal's INSERT, which returns the column: the flag is
    stored and the appeal in hand holds it (a bool, not the test), in the same 12 queries."""
    client = api.as_user(tree.resident1)
    first = Appeal.objects.get(pk=client.post("/api/v1/appeals", BODY).json()["id"])
    assert first.is_repeat is False
    Appeal.objects.filter(pk=first.pk).update(status="resolved", resolved_at=timezone.now() - timedelta(days=1))
    again = Appeal.objects.get(pk=client.post("/api/v1/appeals", BODY).json()["id"])
    other = Appeal.objects.get(pk=client.post("/api/v1/appeals", {**BODY, "category": "safety"}).json()["id"])
    assert (again.is_repeat, other.is_repeat) == (True, False)
    made = services.appeal_submit(actor=tree.resident1, **BODY)
    assert made.is_repeat is True and Appeal.objects.get(pk=made.pk).is_repeat is True

"""Idempotency-Key on POST /appeals: a retry with the same key files nothing twice."""

from __future__ import annotations

import threading

import pytest

from appeals.models import Appeal

BODY = {"category": "environment", "title": "垃圾未清运", "description": "三天没人收。"}


@pytest.mark.django_db
def test_the_same_key_returns_the_first_answer(api, tree):
    client = api.as_user(tree.resident1)
    first = client.post("/api/v1/appeals", BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/appeals", BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Appeal.objects.filter(submitter=tree.resident1).count() == 1
    # Another key, or no key, is another appeal; another user's same key is theirs.
    assert client.post("/api/v1/appeals", BODY, HTTP_IDEMPOTENCY_KEY="k-2").json()["id"] != first.json()["id"]
    other = api.as_user(tree.resident2).post("/api/v1/appeals", BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(api, tree):
    client = api.as_user(tree.resident1)
    assert client.post("/api/v1/appeals", BODY, HTTP_IDEMPOTENCY_KEY="k-3").status_code == 201
    changed = client.post("/api/v1/appeals", {**BODY, "title": "别的"}, HTTP_IDEMPOTENCY_KEY="k-3")
    assert changed.status_code == 422 and changed.json()["error"]["code"] == "idempotency_key_reused"
    bad = client.post("/api/v1/appeals", BODY, HTTP_IDEMPOTENCY_KEY="x" * 300)
    assert bad.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_file_one_appeal(api, tree):
    from django.db import connection

    client = api.as_user(tree.resident1)
    codes: list[int] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        try:
            barrier.wait()
            codes.append(client.post("/api/v1/appeals", BODY, HTTP_IDEMPOTENCY_KEY="k-race").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert set(codes) <= {201, 409} and 201 in codes, codes
    assert Appeal.objects.filter(submitter=tree.resident1).count() == 1

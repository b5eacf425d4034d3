"""List and detail queries do not grow with the number of rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import ok, url

pytestmark = pytest.mark.django_db


def count_queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_the_list_costs_the_same_for_3_or_12_topics(api, tree, raise_topic, neighbour):
    client = api.as_user(tree.resident1)
    people = [neighbour() for _ in range(2)]

    def grow(n: int) -> None:
        for _ in range(n):
            topic = raise_topic()
            for person in people:
                ok(api.as_user(person).post(url("consultations", topic["id"], "support")))

    grow(3)
    few = count_queries(lambda: ok(client.get("/api/v1/consultations")))
    grow(9)
    many = count_queries(lambda: ok(client.get("/api/v1/consultations")))
    assert len(ok(client.get("/api/v1/consultations"))["results"]) == 12
    assert many == few, (few, many)
    staff = api.as_user(tree.staff1)
    assert count_queries(lambda: ok(staff.get("/api/v1/consultations"))) == count_queries(
        lambda: ok(staff.get("/api/v1/consultations?following=false&kind=quick"))
    )


def test_the_detail_costs_the_same_with_a_longer_timeline(api, tree, topic, neighbour):
    client = api.as_user(tree.resident1)
    few = count_queries(lambda: ok(client.get(url("consultations", topic["id"]))))
    for _ in range(3):
        ok(api.as_user(neighbour()).post(url("consultations", topic["id"], "support")))
    many = count_queries(lambda: ok(client.get(url("consultations", topic["id"]))))
    assert many == few, (few, many)


def test_a_list_row_renders_exactly_the_declared_fields_and_the_detail_values(api, tree, topic):
    """ConsultationOut builds list rows by hand (the list is hot): keys and values stay the
    schema's and agree with the detail's."""
    from consultations.api import ConsultationOut

    client = api.as_user(tree.resident1)
    row = ok(client.get("/api/v1/consultations"))["results"][0]
    detail = ok(client.get(url("consultations", row["id"])))
    assert set(row) == set(ConsultationOut().fields)
    assert row == {name: detail[name] for name in row}

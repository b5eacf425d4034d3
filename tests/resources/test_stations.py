"""五港 stations through HTTP: registry and nearest search, reservations that never overlap
(exactly one of concurrent overlapping requests wins), check-ins within the radius, patrol
logs with photos that become appeals."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from appeals.models import Appeal
from resources.models import Reservation
from tests.appeals.factories import upload
from tests.conftest import Api

from .conftest import FAR, NEAR

BASE = "/api/v1"
SLOT = {"starts_at": "2026-12-10T09:00:00+08:00", "ends_at": "2026-12-10T11:00:00+08:00", "purpose": "家门口议事"}


def test_staff_create_stations_and_workers_find_the_nearest(api, tree, station):
    answer = api.as_user(tree.staff1).post(
        f"{BASE}/stations", {"grid": tree.grid1.pk, "name": "二号驿站", "location": {"lat": 34.8, "lng": 113.7}}
    )
    assert answer.status_code == 201
    body = api.as_user(tree.worker1).get(f"{BASE}/stations?near=34.7501,113.6001").json()
    assert [s["name"] for s in body["results"]] == ["一号五港驿站", "二号驿站"]
    assert body["results"][0]["distance_m"] < 20
    assert api.as_user(tree.worker1).get(f"{BASE}/stations?near=abc").json()["error"]["code"] == "bad_near"
    assert station.pk in {s["id"] for s in api.as_user(tree.resident1).get(f"{BASE}/stations").json()["results"]}
    assert api.as_user(tree.resident2).get(f"{BASE}/stations/{station.pk}").status_code == 404
    assert api.as_user(tree.worker1).post(f"{BASE}/stations", {"grid": tree.grid1.pk, "name": "x"}).status_code == 403
    assert api.as_user(tree.staff2).post(f"{BASE}/stations", {"grid": tree.grid1.pk, "name": "x"}).status_code == 403


def test_reservations_refuse_overlaps(api, tree, station):
    worker = api.as_user(tree.worker1)
    url = f"{BASE}/stations/{station.pk}/reservations"
    assert worker.post(url, SLOT).status_code == 201
    overlap = worker.post(
        url, {**SLOT, "starts_at": "2026-12-10T10:30:00+08:00", "ends_at": "2026-12-10T12:00:00+08:00"}
    )
    assert overlap.status_code == 409 and overlap.json()["error"]["code"] == "reservation_overlap"
    after = worker.post(url, {**SLOT, "starts_at": "2026-12-10T11:00:00+08:00", "ends_at": "2026-12-10T12:00:00+08:00"})
    assert after.status_code == 201  # touching ends do not overlap
    backwards = worker.post(url, {**SLOT, "ends_at": "2026-12-10T08:00:00+08:00"})
    assert backwards.status_code == 400 and backwards.json()["error"]["code"] == "bad_period"
    assert api.as_user(tree.resident1).post(url, SLOT).status_code == 403
    assert api.as_user(tree.staff2).post(url, SLOT).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_reservations_exactly_one_wins(tree, station):
    """The exclusion constraint decides: eight overlapping requests released together."""
    client = Api().as_user(tree.worker1)
    barrier = threading.Barrier(8)
    answers: list[Any] = []

    def reserve(i: int) -> None:
        try:
            barrier.wait()
            answers.append(
                client.post(
                    f"{BASE}/stations/{station.pk}/reservations",
                    {**SLOT, "starts_at": f"2026-12-10T09:{i:02d}:00+08:00", "purpose": f"#{i}"},
                ).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=reserve, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert Counter(answers) == {201: 1, 409: 7}, answers
    assert Reservation.objects.filter(station=station).count() == 1


def test_check_in_within_the_radius_only(api, tree, station):
    url = f"{BASE}/stations/{station.pk}/check-ins"
    near = api.as_user(tree.worker1).post(url, {"location": NEAR})
    assert near.status_code == 201 and near.json()["distance_m"] < 200
    far = api.as_user(tree.worker1).post(url, {"location": FAR})
    assert far.status_code == 400 and far.json()["error"]["code"] == "too_far"
    assert api.as_user(tree.worker1).post(url, {}).status_code == 400
    assert api.as_user(tree.resident1).post(url, {"location": NEAR}).status_code == 403


def _photo(api: Any, user: Any) -> int:
    answer = api.as_user(user).post(f"{BASE}/attachments", {"file": upload()}, format="multipart")
    assert answer.status_code == 201, answer.json()
    return answer.json()["id"]


def test_a_patrol_log_with_a_photo_becomes_an_appeal_in_one_call(api, tree):
    photo = _photo(api, tree.worker1)
    answer = api.as_user(tree.worker1).post(
        f"{BASE}/patrols",
        {
            "grid": tree.grid1.pk,
            "notes": "3号楼消防通道被电动车堵塞",
            "location": NEAR,
            "photos": [photo],
            "appeal_category": "safety",
        },
    )
    assert answer.status_code == 201, answer.json()
    appeal = Appeal.objects.get(pk=answer.json()["appeal"])
    assert appeal.description == "3号楼消防通道被电动车堵塞" and appeal.category == "safety"
    assert list(appeal.attachments.values_list("pk", flat=True)) == [photo]
    assert appeal.handling_grid == tree.grid1


def test_a_patrol_log_turned_into_an_appeal_later_once(api, tree):
    answer = api.as_user(tree.worker1).post(f"{BASE}/patrols", {"grid": tree.grid1.pk, "notes": "路灯不亮"})
    patrol_id = answer.json()["id"]
    assert answer.json()["appeal"] is None
    url = f"{BASE}/patrols/{patrol_id}/to-appeal"
    assert api.as_user(tree.staff2).post(url, {"category": "facilities"}).status_code == 404
    converted = api.as_user(tree.worker1).post(url, {"category": "facilities"})
    assert converted.status_code == 200 and converted.json()["appeal"] is not None
    again = api.as_user(tree.worker1).post(url, {"category": "facilities"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_converted"


def test_patrol_refusals(api, tree):
    someone_elses = _photo(api, tree.resident1)
    bad = api.as_user(tree.worker1).post(
        f"{BASE}/patrols", {"grid": tree.grid1.pk, "notes": "x", "photos": [someone_elses]}
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_attachment"
    assert api.as_user(tree.worker1).post(f"{BASE}/patrols", {"grid": tree.grid2.pk, "notes": "x"}).status_code == 403
    assert api.as_user(tree.resident1).post(f"{BASE}/patrols", {"grid": tree.grid1.pk, "notes": "x"}).status_code == 403
    assert api.as_user(tree.worker1).post(f"{BASE}/patrols", {"grid": tree.grid1.pk}).status_code == 400

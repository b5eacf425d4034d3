"""The 12345 hotline: the signed, idempotent webhook in, and status changes posted back out
through the outbox, retried against a fake platform until they land, in order."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from appeals import tasks
from appeals.models import Appeal, HotlineSync
from backend.crypto import lookup_digest
from tests.fakes.hotline import FakeHotline

from .conftest import HOTLINE_SECRET

pytestmark = pytest.mark.django_db
URL = "/api/v1/integrations/hotline/orders"


def order(**overrides) -> dict:
    body = {
        "order_id": "ZZ12345-20261125-0001",
        "category": "utilities",
        "title": "停水",
        "description": "建设路 1 号院从早上开始停水。",
        "address": "建设路1号院3号楼",
        "grid_code": "",
        "phone": "13712345678",
        "created_at": "2026-11-25T08:30:00+08:00",
    }
    return body | overrides


def send(api, body: dict, *, secret: str = HOTLINE_SECRET, signature: str | None = None):
    raw = json.dumps(body, ensure_ascii=False).encode()
    sig = signature if signature is not None else hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return api.generic("POST", URL, raw, content_type="application/json", HTTP_X_HOTLINE_SIGNATURE=sig)


def test_a_signed_order_becomes_an_appeal(api, tree, hotline):
    response = send(api, order(grid_code=tree.micro1.code))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source"] == "hotline" and body["status"] == "submitted" and body["category"] == "utilities"
    assert (body["grid"], body["handling_grid"]) == (tree.micro1.pk, tree.grid1.pk)
    assert body["hotline_order_id"] == "ZZ12345-20261125-0001"
    assert "13712345678" not in response.content.decode()
    appeal = Appeal.objects.get(pk=body["id"])
    assert appeal.submitter is None and appeal.contact_phone == "13712345678"
    assert appeal.contact_phone_digest == lookup_digest("13712345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM appeals_appeal WHERE id = %s", [appeal.pk])
        stored = cursor.fetchone()[0]
    assert stored and "13712345678" not in stored  # encrypted at rest
    # The grid worker handling it sees the caller's number to call back.
    seen = api.as_user(tree.worker1).get(f"/api/v1/appeals/{appeal.pk}").json()
    assert seen["contact_phone"] == "13712345678" and seen["timeline"][0]["actor"] is None


def test_a_replayed_order_is_200_with_the_same_appeal(api, tree, hotline):
    first = send(api, order())
    again = send(api, order(title="停水（重复推送）"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["title"] == "停水"
    assert Appeal.objects.filter(hotline_order_id="ZZ12345-20261125-0001").count() == 1


def test_unknown_grid_code_goes_to_the_district_queue(api, tree, hotline):
    body = send(api, order(grid_code="NO-SUCH-UNIT", category="noise-complaint")).json()
    assert (body["handling_grid"], body["level"], body["category"]) == (tree.district.pk, "district", "other")
    assert body["id"] in {r["id"] for r in api.as_user(tree.admin).get("/api/v1/appeals").json()["results"]}
    assert api.as_user(tree.staff1).get(f"/api/v1/appeals/{body['id']}").status_code == 404


def test_an_order_before_any_grid_exists_is_400_no_district(api, hotline):
    refused = send(api, order())
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "no_district"
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("signature", ["", "00" * 32, "not-hex"])
def test_bad_or_missing_signature_is_401(api, tree, hotline, signature):
    response = send(api, order(), signature=signature)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    assert not Appeal.objects.exists()


def test_signature_with_another_secret_is_401(api, tree, hotline):
    assert send(api, order(), secret="guess").status_code == 401
    raw = json.dumps(order()).encode()
    no_header = api.generic("POST", URL, raw, content_type="application/json")
    assert no_header.status_code == 401 and no_header.json()["error"]["code"] == "bad_signature"


def test_no_secret_configured_refuses_everything(api, tree, settings):
    settings.HOTLINE_SECRET = ""
    assert send(api, order(), secret="").status_code == 401


def test_signed_but_invalid_order_is_400(api, tree, hotline):
    missing = send(api, {"order_id": "X1"})
    assert missing.status_code == 400 and "title" in missing.json()["error"]["fields"]
    raw = b"{not json"
    sig = hmac.new(HOTLINE_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    broken = api.generic("POST", URL, raw, content_type="application/json", HTTP_X_HOTLINE_SIGNATURE=sig)
    assert broken.status_code == 400
    assert not Appeal.objects.exists()


def _hotline_appeal(api, tree) -> int:
    return send(api, order(grid_code=tree.micro1.code)).json()["id"]


def test_status_post_fails_twice_then_lands(api, tree, hotline, django_capture_on_commit_callbacks):
    appeal_id = _hotline_appeal(api, tree)
    assert HotlineSync.objects.count() == 0  # the order itself came from the platform
    hotline.behaviour["fail"] = 2
    with django_capture_on_commit_callbacks(execute=True):
        assert api.as_user(tree.worker1).post(f"/api/v1/appeals/{appeal_id}/accept").status_code == 200
    row = HotlineSync.objects.get()
    assert (row.status, row.attempts, row.sent_at) == ("accepted", 1, None)
    assert "503" in row.last_error
    first_retry = row.next_attempt_at

    # Before its backoff the sweeper leaves it alone.
    assert tasks.sweep_hotline_sync(now=first_retry - timedelta(seconds=1)) == 0
    assert tasks.sweep_hotline_sync(now=first_retry) == 1
    row.refresh_from_db()
    assert (row.attempts, row.sent_at) == (2, None)
    assert row.next_attempt_at - first_retry > first_retry - row.at  # the wait grows

    tasks.sweep_hotline_sync(now=row.next_attempt_at)
    row.refresh_from_db()
    assert row.attempts == 3 and row.sent_at is not None and row.last_error == ""
    (landed,) = hotline.received("ZZ12345-20261125-0001")
    assert landed["status"] == "accepted" and landed["at"]
    assert tasks.sweep_hotline_sync(now=timezone.now() + timedelta(days=1)) == 0


def test_changes_land_in_order_after_an_outage(api, tree, hotline, django_capture_on_commit_callbacks):
    appeal_id = _hotline_appeal(api, tree)
    worker = api.as_user(tree.worker1)
    hotline.behaviour["down"] = True
    with django_capture_on_commit_callbacks(execute=True):
        worker.post(f"/api/v1/appeals/{appeal_id}/accept")
    with django_capture_on_commit_callbacks(execute=True):
        worker.post(f"/api/v1/appeals/{appeal_id}/reply", {"content": "已联系供水公司"})  # no state change
    with django_capture_on_commit_callbacks(execute=True):
        worker.post(f"/api/v1/appeals/{appeal_id}/resolve", {"content": "已恢复供水"})
    rows = list(HotlineSync.objects.order_by("pk"))
    assert [(r.status, r.sent_at) for r in rows] == [("accepted", None), ("resolved", None)]
    assert rows[1].attempts == 0  # it waits behind the first, not sent out of order

    hotline.behaviour.pop("down")
    tasks.sweep_hotline_sync(now=timezone.now() + timedelta(hours=2))
    assert [b["status"] for b in hotline.received("ZZ12345-20261125-0001")] == ["accepted", "resolved"]
    assert hotline.received("ZZ12345-20261125-0001")[1]["note"] == "已恢复供水"
    assert not HotlineSync.objects.filter(sent_at__isnull=True).exists()


def test_no_outbox_row_when_the_change_rolls_back(api, tree, hotline):
    appeal_id = _hotline_appeal(api, tree)
    response = api.as_user(tree.resident1).post(f"/api/v1/appeals/{appeal_id}/accept")
    assert response.status_code in (403, 404)
    assert not HotlineSync.objects.exists()


def test_the_deadline_task_reports_its_escalation_to_the_platform(api, tree, hotline):
    appeal = Appeal.objects.get(pk=_hotline_appeal(api, tree))
    later = appeal.accept_due_at + timedelta(minutes=1)
    tasks.enforce_deadlines(now=later)
    assert HotlineSync.objects.get().next_attempt_at == later
    tasks.sweep_hotline_sync(now=later)
    (landed,) = hotline.received("ZZ12345-20261125-0001")
    assert landed["status"] == "submitted" and "自动上报" in landed["note"]


class ProbingHotline(FakeHotline):
    """While a status post is in flight, another connection tries to lock its outbox row
    without waiting: it must get it (the sender holds no lock and no transaction)."""

    def __init__(self, secret: str) -> None:
        super().__init__(secret)
        self.lockable: list[bool] = []

    def status(self, request, order_id):  # type: ignore[override]
        try:
            with transaction.atomic():
                HotlineSync.objects.select_for_update(nowait=True).filter(order_id=order_id).exists()
            self.lockable.append(True)
        except OperationalError:
            self.lockable.append(False)
        finally:
            connection.close()  # this server thread's own connection
        return super().status(request, order_id)


@pytest.mark.django_db(transaction=True)
def test_the_status_post_runs_outside_any_transaction_and_row_lock(api, tree, settings):
    fake = ProbingHotline(HOTLINE_SECRET).start()
    settings.HOTLINE_API_BASE, settings.HOTLINE_SECRET = fake.url, HOTLINE_SECRET
    try:
        appeal_id = _hotline_appeal(api, tree)
        assert api.as_user(tree.worker1).post(f"/api/v1/appeals/{appeal_id}/accept").status_code == 200
        # The commit enqueued the send (eager Celery in tests ran it); the sweeper sends anything left.
        tasks.sweep_hotline_sync(now=timezone.now() + timedelta(minutes=1))
        assert fake.lockable == [True]
        row = HotlineSync.objects.get()
        assert row.sent_at is not None and (row.lease_token, row.sending_until) == ("", None)
    finally:
        fake.stop()

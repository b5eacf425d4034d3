"""The 12345 hotline platform: checking the signature of its webhook, and posting status
changes back to it from the outbox (HotlineSync), in order per work order, retried with
backoff until they land.

A sender claims the oldest unsent row of an order with a lease (one conditional UPDATE, as
notifications' deliveries do), posts it with no transaction open and no row locked, and
records the outcome in a short transaction, only while it still holds the lease."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from backend.errors import NotAuthenticated
from backend.http import OutboundError, request_json
from backend.messages import Msg

from .models import Appeal, AppealEvent, HotlineSync

SIGNATURE_HEADER = "X-Hotline-Signature"


def sign(body: bytes) -> str:
    return hmac.new(settings.HOTLINE_SECRET.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, signature: str | None) -> None:
    """Hex HMAC-SHA256 of the raw body with HOTLINE_SECRET, compared in constant time. With no
    secret configured every call is refused: an unsigned webhook must not create appeals."""
    if not settings.HOTLINE_SECRET or not signature or not hmac.compare_digest(sign(body), signature.strip().lower()):
        raise NotAuthenticated(Msg("签名无效。", "The signature is missing or wrong."), code="bad_signature")


def backoff(attempts: int) -> timedelta:
    seconds = settings.HOTLINE_SYNC_BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.HOTLINE_SYNC_MAX_DELAY_SECONDS))


def _post(row: HotlineSync) -> None:
    """POST {HOTLINE_API_BASE}/orders/{order_id}/status; raise OutboundError unless 2xx."""
    if not settings.HOTLINE_API_BASE:
        raise OutboundError("HOTLINE_API_BASE is not set")
    body = json.dumps(
        {"status": row.status, "note": row.note, "at": timezone.localtime(row.at).isoformat()}, ensure_ascii=False
    ).encode()
    answer = request_json(
        "POST",
        f"{settings.HOTLINE_API_BASE}/orders/{quote(row.order_id, safe='')}/status",
        content=body,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)},
    )
    status = answer.get("_http_status", 0)
    if not 200 <= status < 300:
        raise OutboundError(f"HTTP {status}: {str(answer)[:200]}")


def queue_status(appeal: Appeal, event: AppealEvent) -> None:
    """The status change goes to the 12345 platform once this transaction commits."""
    HotlineSync.objects.create(
        appeal=appeal,
        order_id=appeal.hotline_order_id,
        status=event.to_status,
        note=event.note,
        at=event.at,
        next_attempt_at=event.at,
    )
    order_id = appeal.hotline_order_id

    def enqueue() -> None:
        from .tasks import send_hotline_sync

        send_hotline_sync.delay(order_id)

    # robust: a broker that is down must not fail the request; the sweeper sends it later.
    transaction.on_commit(enqueue, robust=True)


def _claim(pk: int, *, now: datetime) -> str | None:
    """Take the lease on an unsent, due row (autocommit: one short UPDATE); its token or None."""
    token = uuid.uuid4().hex
    claimed = (
        HotlineSync.objects.filter(pk=pk, sent_at__isnull=True, next_attempt_at__lte=now)
        .filter(Q(sending_until__isnull=True) | Q(sending_until__lt=now))
        .update(sending_until=now + timedelta(seconds=settings.HOTLINE_SYNC_LEASE_SECONDS), lease_token=token)
    )
    return token if claimed else None


def _settle(pk: int, token: str, **outcome: Any) -> bool:
    """Record the outcome of a post and release the lease, if we still hold it."""
    with transaction.atomic():
        return bool(
            HotlineSync.objects.filter(pk=pk, lease_token=token, sent_at__isnull=True).update(
                attempts=F("attempts") + 1, sending_until=None, lease_token="", **outcome
            )
        )


def send_pending(order_id: str, *, now: datetime | None = None) -> int:
    """Send this order's unsent rows oldest first; stop at the first failure (it is retried
    after its backoff, and the later rows wait behind it). Returns how many landed.

    Only the oldest unsent row is ever claimed; when another sender holds its lease, this one
    stops, so two senders never interleave an order's rows.
    """
    sent = 0
    while True:
        now_at = now or timezone.now()
        head = (
            HotlineSync.objects.filter(order_id=order_id, sent_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if head is None:
            return sent
        token = _claim(head, now=now_at)
        if token is None:
            return sent
        row = HotlineSync.objects.get(pk=head)
        try:
            _post(row)  # outside any transaction: nothing is locked while the platform answers
        except OutboundError as exc:
            _settle(
                head,
                token,
                last_error=str(exc)[:1000],
                next_attempt_at=now_at + backoff(row.attempts + 1),
            )
            return sent
        if not _settle(head, token, sent_at=now_at, last_error=""):
            return sent  # the lease ran out and another sender took the row
        sent += 1


def orders_due(*, now: datetime, limit: int = 1000) -> list[str]:
    """Work orders with an unsent row whose retry time has come."""
    return list(
        HotlineSync.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now)
        .order_by()
        .values_list("order_id", flat=True)
        .distinct()[:limit]
    )

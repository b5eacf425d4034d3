"""The 12345 hotline platform: checking the signature of its webhook, and posting status
changes back to it from the outbox (HotlineSync), in order per work order, retried with
backoff until they land."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.errors import NotAuthenticated
from backend.http import OutboundError, request_json
from backend.messages import Msg

from .models import HotlineSync

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


def send_pending(order_id: str, *, now: datetime | None = None) -> int:
    """Send this order's unsent rows oldest first; stop at the first failure (it is retried
    after its backoff, and the later rows wait behind it). Returns how many landed.

    The oldest unsent row is locked while it is posted; when another worker holds it, this
    one stops, so two senders never interleave an order's rows.
    """
    sent = 0
    while True:
        now_at = now or timezone.now()
        with transaction.atomic():
            head = (
                HotlineSync.objects.filter(order_id=order_id, sent_at__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)
                .first()
            )
            if head is None:
                return sent
            row = HotlineSync.objects.select_for_update(skip_locked=True).filter(pk=head, sent_at__isnull=True).first()
            if row is None or row.next_attempt_at > now_at:
                return sent
            row.attempts += 1
            try:
                _post(row)
            except OutboundError as exc:
                row.last_error = str(exc)[:1000]
                row.next_attempt_at = now_at + backoff(row.attempts)
                row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
                return sent
            row.sent_at = now_at
            row.last_error = ""
            row.save(update_fields=["attempts", "sent_at", "last_error"])
            sent += 1


def orders_due(*, now: datetime, limit: int = 1000) -> list[str]:
    """Work orders with an unsent row whose retry time has come."""
    return list(
        HotlineSync.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now)
        .order_by()
        .values_list("order_id", flat=True)
        .distinct()[:limit]
    )

"""Outboxes: calls to an outside system that must land, in order per object, never made inside
a database transaction.

A service writes an outbox row in its own transaction (so the call exists exactly when the
change does); a task sends it later:

1. a short transaction claims the oldest unsent row of one ordering key with a lease
   (`FOR UPDATE SKIP LOCKED`, then `lease_until`), and commits;
2. the HTTP call runs with no transaction and no row lock held;
3. a second short transaction records the outcome, only if the lease is still ours.

A worker killed between 2 and 3 leaves the lease to expire; the row is then sent again, so
the receiver sees each message at least once and deduplicates by its `X-Message-Id` (the
row's `message_id`). Later rows of the same key wait behind an unsent head, which keeps the
order. Retries back off exponentially up to a ceiling; rows are never dropped.

Own code rather than a library: the Django outbox packages on PyPI either publish to a broker
(we post to HTTP endpoints with per-system signatures) or keep no per-key order.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from .errors import NotAuthenticated
from .http import OutboundError, request_json
from .messages import Msg

SIGNATURE_HEADER = "X-Signature"
MESSAGE_ID_HEADER = "X-Message-Id"


class OutboxMessage(models.Model):
    """One call to make (abstract). `key` orders the calls of one object; `path` is appended
    to the system's base URL."""

    key = models.CharField(max_length=100)
    path = models.CharField(max_length=500)
    payload = models.JSONField()
    message_id = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.key} {self.path} {'sent' if self.sent_at else 'pending'}"


M = TypeVar("M", bound=OutboxMessage)


@dataclass(frozen=True)
class System:
    """Where and how one outside system is called."""

    name: str
    base_url: Callable[[], str]
    secret: Callable[[], str]
    base_delay_seconds: float = 30
    max_delay_seconds: float = 3600
    lease_seconds: float = 60

    def sign(self, body: bytes) -> str:
        return sign(self.secret(), body)

    def backoff(self, attempts: int) -> timedelta:
        seconds = self.base_delay_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.max_delay_seconds))


def sign(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, signature: str | None) -> None:
    """Constant-time check of an inbound webhook; with no secret configured every call is refused."""
    if not secret or not signature or not hmac.compare_digest(sign(secret, body), signature.strip().lower()):
        raise NotAuthenticated(Msg("签名无效。", "The signature is missing or wrong."), code="bad_signature")


def _claim(model: type[M], key: str, now: datetime, lease: timedelta) -> M | None:
    with transaction.atomic():
        head = model._default_manager.filter(key=key, sent_at__isnull=True).order_by("pk").values_list("pk", flat=True)
        head_pk = head.first()
        if head_pk is None:
            return None
        row = model._default_manager.select_for_update(skip_locked=True).filter(pk=head_pk).first()
        if row is None or row.next_attempt_at > now or (row.lease_until and row.lease_until > now):
            return None
        row.attempts += 1
        row.lease_until = now + lease
        row.save(update_fields=["attempts", "lease_until"])
        return row


def _post(system: System, row: OutboxMessage) -> None:
    base = system.base_url()
    if not base:
        raise OutboundError(f"{system.name}: no base URL configured")
    body = json.dumps(row.payload, ensure_ascii=False, sort_keys=True).encode()
    answer = request_json(
        "POST",
        f"{base}{row.path}",
        content=body,
        headers={
            "Content-Type": "application/json",
            SIGNATURE_HEADER: system.sign(body),
            MESSAGE_ID_HEADER: str(row.message_id),
        },
    )
    status = answer.get("_http_status", 0)
    if not 200 <= status < 300:
        raise OutboundError(f"HTTP {status}: {str(answer)[:200]}")


def send_key(model: type[OutboxMessage], system: System, key: str, *, now: datetime | None = None) -> int:
    """Send the unsent rows of `key` oldest first; stop at the first failure (retried after its
    backoff, the later rows waiting behind it) or when another worker holds the head."""
    sent = 0
    lease = timedelta(seconds=system.lease_seconds)
    while True:
        started = now or timezone.now()
        row = _claim(model, key, started, lease)
        if row is None:
            return sent
        try:
            _post(system, row)
        except OutboundError as exc:
            model._default_manager.filter(pk=row.pk, lease_until=row.lease_until).update(
                lease_until=None, last_error=str(exc)[:1000], next_attempt_at=started + system.backoff(row.attempts)
            )
            return sent
        model._default_manager.filter(pk=row.pk, lease_until=row.lease_until).update(
            lease_until=None, last_error="", sent_at=now or timezone.now()
        )
        sent += 1


def keys_due(model: type[OutboxMessage], *, now: datetime, limit: int = 1000) -> list[str]:
    """Ordering keys with an unsent row whose time has come and whose lease (if any) ran out."""
    rows = model._default_manager.filter(sent_at__isnull=True, next_attempt_at__lte=now).filter(
        models.Q(lease_until__isnull=True) | models.Q(lease_until__lte=now)
    )
    return list(rows.order_by().values_list("key", flat=True).distinct()[:limit])


def enqueue_on_commit(send: Callable[[str], Any], key: str) -> None:
    """Ask a worker to send `key` once the writing transaction commits. Robust: a broker that
    is down must not fail the request; the periodic sweep sends the row later."""
    transaction.on_commit(lambda: send(key), robust=True)

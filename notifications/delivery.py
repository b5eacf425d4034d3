"""Sending deliveries: what a Celery worker runs, and what happens after `notify` commits.

Guarantees:
- At least once: a delivery stays `pending`/`failed` until a provider took it. Enqueueing
  happens after commit; if the broker is down then, or a worker dies mid-send (its task is
  acknowledged late and handed back; its lease expires), the periodic sweeper re-enqueues every
  delivery still unsent a minute after it was due.
- Never twice once sent: a worker claims a row with one conditional UPDATE (status pending or
  failed, due, lease free -> lease until now + DELIVERY_LEASE_SECONDS with a fresh token);
  only the token's holder records the outcome, and `sent` is final. (A worker killed after the
  robot took a message but before recording it may cause one repeat: robots have no
  idempotency key.)
- Back-off: a passing error is retried after base * 2^(attempt-1) seconds, half of it random
  (jitter), capped; after DELIVERY_MAX_ATTEMPTS, or at once for a permanent error, `dead`.
- Each robot gets at most ROBOT_MESSAGES_PER_MINUTE messages per window across all workers
  (`limiter`); a message over the limit waits (stays pending, rescheduled), it is no error.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from backend import workflow
from backend.errors import IllegalTransition

from . import limiter, realtime
from .models import Delivery, Message, Notification
from .providers import Outbound, SendError, provider_for

log = logging.getLogger(__name__)

# A task may run a moment before the time it was scheduled for (clocks of different hosts).
CLOCK_SKEW = timedelta(seconds=2)
PUSH_CHUNK = 2000


# --- after commit: push the inbox rows, hand the deliveries to Celery ---------------------------


def after_commit(message_id: int, *, inbox: int, deliveries: int) -> None:
    """Small fan-outs are handled here, in the committing process; big ones by one task."""
    from . import tasks

    big = max(inbox, deliveries) > settings.NOTIFY_INLINE_MAX
    if big:
        if not _apply(tasks.dispatch_message, (message_id,)):
            log.warning("message %s: dispatch not enqueued; the sweeper will send its deliveries", message_id)
        return
    dispatch_message(message_id)


def dispatch_message(message_id: int) -> None:
    # Deliveries first: robots are slow, a socket push is quick.
    ids = list(
        Delivery.objects.filter(message_id=message_id, status=Delivery.Status.PENDING).values_list("pk", flat=True)
    )
    enqueue(ids)
    push_inbox(message_id)


def inbox_payload(notification: Notification, message: Message) -> dict:
    """One inbox row as the REST inbox and the socket show it."""
    return {
        "id": notification.pk,
        "event": message.event,
        "title": message.title,
        "body": message.body,
        "page": message.page,
        "data": message.context,
        "read": notification.read_at is not None,
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
        "created_at": timezone.localtime(notification.created_at).isoformat(),
    }


def push_inbox(message_id: int) -> int:
    """Push each new inbox row of a message to its user's open sockets (best effort). A large
    fan-out only pushes to users who have a socket open somewhere."""
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        return 0
    rows = Notification.objects.filter(message_id=message_id).only("pk", "user_id", "read_at", "created_at")
    few = rows.count() <= settings.NOTIFY_INLINE_MAX
    pushed, last = 0, 0
    while chunk := list(rows.filter(pk__gt=last).order_by("pk")[:PUSH_CHUNK]):
        last = chunk[-1].pk
        if not few:
            online = realtime.online_user_ids(row.user_id for row in chunk)
            chunk = [row for row in chunk if row.user_id in online]
        try:
            realtime.push_each((row.user_id, "notification", inbox_payload(row, message)) for row in chunk)
        except Exception:  # the inbox is the record; a socket push may fail
            log.exception("pushing message %s to sockets failed", message_id)
            return pushed
        pushed += len(chunk)
    return pushed


def _apply(task, args: tuple, countdown: float | None = None) -> bool:
    """Publish a task; False (logged) when the broker cannot take it."""
    try:
        task.apply_async(args, countdown=countdown, retry=False)
    except Exception as exc:
        log.warning("could not enqueue %s: %s", task.name, exc)
        return False
    return True


def enqueue(delivery_ids: list[int], *, countdown: float | None = None) -> bool:
    """Hand deliveries to the workers, DELIVERY_TASK_CHUNK per task message."""
    from . import tasks

    size = max(1, settings.DELIVERY_TASK_CHUNK)
    for start in range(0, len(delivery_ids), size):
        if not _apply(tasks.send_deliveries, (delivery_ids[start : start + size],), countdown):
            # Broker down: each try waits for a connection; the sweeper takes the rest later.
            return False
    return True


def _eager() -> bool:
    from backend.celery import app

    return bool(app.conf.task_always_eager)


def _later(delivery_id: int, delay: float) -> None:
    # Eager Celery (embedded demo, tests) would run a "later" task at once and loop: there the
    # row simply waits for the sweeper.
    if not _eager():
        enqueue([delivery_id], countdown=delay)


# --- one delivery --------------------------------------------------------------------------


def backoff(attempt: int) -> float:
    """Seconds before attempt `attempt + 1`: exponential, capped, half of it random."""
    ceiling = min(settings.DELIVERY_RETRY_MAX_SECONDS, settings.DELIVERY_RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def claim(delivery_id: int, *, now: datetime) -> str | None:
    """Take the lease on a due, unsent delivery; the lease token, or None if not ours to send."""
    token = uuid.uuid4().hex
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status__in=Delivery.SENDABLE, next_attempt_at__lte=now + CLOCK_SKEW)
        .filter(Q(sending_until__isnull=True) | Q(sending_until__lt=now))
        .update(sending_until=now + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS), lease_token=token)
    )
    return token if claimed else None


def deliver(delivery_id: int, *, now: datetime | None = None) -> str:
    """Send one delivery if it is due and not taken. Returns what happened: skipped, deferred
    (robot limit), sent, failed (will retry) or dead."""
    now = now or timezone.now()
    token = claim(delivery_id, now=now)
    if token is None:
        return "skipped"
    delivery = Delivery.objects.select_related("message", "chat").get(pk=delivery_id)
    if delivery.chat_id and not delivery.chat.is_active:
        _record(delivery, token, "give_up", now=now, last_error="群聊已停用 (chat disabled)")
        return "dead"
    robot = delivery.chat.webhook_digest if delivery.chat_id else None
    if robot:
        wait = limiter.acquire(robot, token)
        if wait > 0:
            Delivery.objects.filter(pk=delivery.pk, lease_token=token).update(
                sending_until=None, lease_token="", next_attempt_at=now + timedelta(seconds=wait)
            )
            _later(delivery.pk, wait)
            return "deferred"
    try:
        provider_for(delivery.provider).send(_outbound(delivery))
    except SendError as exc:
        return _failed(delivery, token, exc, now=now)
    except Exception as exc:  # a bug must not leave the row leased and swept forever
        log.exception("delivery %s: provider %s crashed", delivery.pk, delivery.provider)
        return _failed(delivery, token, SendError(f"{type(exc).__name__}: {exc}"), now=now)
    finally:
        if robot:
            limiter.settle(robot, token)
    _record(delivery, token, "succeed", now=now, attempts=F("attempts") + 1, sent_at=timezone.now(), last_error="")
    return "sent"


def _outbound(delivery: Delivery) -> Outbound:
    message = delivery.message
    chat = delivery.chat
    return Outbound(
        title=message.title,
        body=message.body,
        webhook_url=chat.webhook_url if chat else "",
        secret=chat.secret if chat else "",
        mention_all=message.mention_all,
        openid=delivery.openid,
        subscribe=message.subscribe,
    )


def _failed(delivery: Delivery, token: str, exc: SendError, *, now: datetime) -> str:
    attempts = delivery.attempts + 1
    error = _redact(str(exc), delivery)
    if exc.permanent or attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        _record(delivery, token, "give_up", now=now, attempts=attempts, last_error=error)
        return "dead"
    delay = backoff(attempts)
    if exc.rate_limited:  # the robot counts more than we did (shared with someone else): wait a window
        delay = max(delay, settings.ROBOT_RATE_WINDOW_SECONDS)
    _record(
        delivery,
        token,
        "fail",
        now=now,
        attempts=attempts,
        last_error=error,
        next_attempt_at=now + timedelta(seconds=delay),
    )
    _later(delivery.pk, delay)
    return "failed"


def _redact(text: str, delivery: Delivery) -> str:
    """Errors are shown to staff: never with the webhook's key or the signing secret."""
    chat = delivery.chat
    if chat:
        for secret in filter(None, (chat.webhook_url, chat.secret)):
            text = text.replace(secret, "***")
    return text[:500]


def _record(delivery: Delivery, token: str, action: str, *, now: datetime, **fields) -> bool:
    """Apply `action` of Delivery.TRANSITIONS if we still hold the lease, with its audit row:
    the compare-and-set is on the status we read and on our lease token."""
    try:
        with transaction.atomic():
            workflow.transition(
                delivery,
                action,
                at=now,
                note=fields.get("last_error", ""),
                changes={"sending_until": None, "lease_token": "", **fields},
                where={"lease_token": token},
            )
    except IllegalTransition:
        log.warning("delivery %s: lease lost before recording %s", delivery.pk, action)
        return False
    return True


# --- the sweeper ---------------------------------------------------------------------------


def sweep_pending(*, now: datetime | None = None, limit: int = 20_000) -> int:
    """Re-enqueue deliveries still unsent DELIVERY_SWEEP_AFTER_SECONDS after they were due and
    not held by a live lease (broker down at commit, a worker lost, a lost countdown task)."""
    now = now or timezone.now()
    overdue = now - timedelta(seconds=settings.DELIVERY_SWEEP_AFTER_SECONDS)
    ids = list(
        Delivery.objects.filter(status__in=Delivery.SENDABLE, next_attempt_at__lte=overdue)
        .filter(Q(sending_until__isnull=True) | Q(sending_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        log.info("sweeper: re-enqueueing %d deliveries", len(ids))
        enqueue(ids)
    return len(ids)

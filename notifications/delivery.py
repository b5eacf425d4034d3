"""Sending deliveries: what a Celery worker runs, and what happens after `notify` commits.

Guarantees:
- At least once: a delivery stays `pending`/`failed` until a provider took it. Enqueueing
  happens after commit; if the broker is down then, or a worker dies mid-send (its task is
  acknowledged late and handed back; its lease expires), the periodic sweeper re-enqueues every
  delivery still unsent a minute after it was due.
- Never twice once sent: a worker claims a batch (one task's ids) with one conditional UPDATE
  (status pending or failed, due, lease free -> lease until now + DELIVERY_LEASE_SECONDS with a
  fresh token); only the token's holder records the outcome, `sent` is final, and no message
  of the batch goes out once its answer could come after the lease's end. (A worker killed
  after a robot took a message but before recording it may cause one repeat of each message
  it had in flight: robots have no idempotency key.)
- Concurrency: a batch's messages go out at once on asynchronous I/O (httpx.AsyncClient under
  asyncio, at most DELIVERY_SEND_CONCURRENCY in flight), so a worker thread waits on many
  robots at a time instead of one.
- Back-off: a passing error is retried after base * 2^(attempt-1) seconds, half of it random
  (jitter), capped; after DELIVERY_MAX_ATTEMPTS, or at once for a permanent error, `dead`.
- Each robot gets at most ROBOT_MESSAGES_PER_MINUTE messages per window across all workers
  (`limiter`); a message over the limit waits (stays pending, rescheduled), it is no error.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from backend import workflow
from backend.errors import IllegalTransition
from backend.masking import mask_personal

from . import limiter, realtime
from .models import Delivery, DeliveryLog, Message, Notification
from .providers import Outbound, SendError, provider_for
from .providers.base import RobotProvider, async_client

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
    return claim_many([delivery_id], now=now)


def claim_many(delivery_ids: list[int], *, now: datetime) -> str | None:
    """Take the lease on every due, unsent, free delivery of `delivery_ids` with one UPDATE;
    the batch's lease token (the rows that carry it are ours), or None if none was free."""
    token = uuid.uuid4().hex
    claimed = (
        Delivery.objects.filter(
            pk__in=delivery_ids, status__in=Delivery.SENDABLE, next_attempt_at__lte=now + CLOCK_SKEW
        )
        .filter(Q(sending_until__isnull=True) | Q(sending_until__lt=now))
        .update(sending_until=now + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS), lease_token=token)
    )
    return token if claimed else None


def deliver(delivery_id: int, *, now: datetime | None = None) -> str:
    """Send one delivery if it is due and not taken. Returns what happened: skipped, deferred
    (robot limit), sent, failed (will retry) or dead."""
    return deliver_many([delivery_id], now=now)[delivery_id]


def deliver_many(delivery_ids: list[int], *, now: datetime | None = None) -> dict[int, str]:
    """Claim the batch with one lease, send its messages concurrently on asynchronous I/O (at
    most DELIVERY_SEND_CONCURRENCY at once, each robot's slot reserved just before its message
    goes out), then record the outcomes: what happened to each delivery (see `deliver`)."""
    now = now or timezone.now()
    outcomes = dict.fromkeys(delivery_ids, "skipped")
    token = claim_many(delivery_ids, now=now)
    if token is None:
        return outcomes
    # Nothing is sent once the lease could end before its answer: a late row is left to the
    # lease's expiry and the sweeper, never sent by two workers.
    send_by = time.monotonic() + settings.DELIVERY_LEASE_SECONDS - _answer_time()
    batch: list[Delivery] = []
    for delivery in Delivery.objects.select_related("message", "chat").filter(pk__in=delivery_ids, lease_token=token):
        if delivery.chat_id and not delivery.chat.is_active:
            _record(delivery, token, "give_up", now=now, last_error="群聊已停用 (chat disabled)")
            outcomes[delivery.pk] = "dead"
        else:
            batch.append(delivery)
    if not batch:
        return outcomes
    results = asyncio.run(_send_all(batch, token, send_by))
    sent = [d for d in batch if results[d.pk] is None]
    _record_sent(sent, token, now=now)
    outcomes.update({d.pk: "sent" for d in sent})
    for delivery in batch:
        result = results[delivery.pk]
        if isinstance(result, SendError):
            outcomes[delivery.pk] = _failed(delivery, token, result, now=now)
        elif isinstance(result, float):  # over the robot's limit: no error, it waits
            _release(delivery, token, wait=result, now=now)
            outcomes[delivery.pk] = "deferred"
        elif result == LATE:  # never sent: free again at once
            _release(delivery, token, wait=0.0, now=now)
    return outcomes


def _release(delivery: Delivery, token: str, *, wait: float, now: datetime) -> None:
    """Give back the lease on a delivery we did not send, due again in `wait` seconds."""
    Delivery.objects.filter(pk=delivery.pk, lease_token=token).update(
        sending_until=None, lease_token="", next_attempt_at=now + timedelta(seconds=wait)
    )
    _later(delivery.pk, wait)


def _answer_time() -> float:
    return settings.OUTBOUND_CONNECT_TIMEOUT + settings.OUTBOUND_READ_TIMEOUT


LATE = "late"
SendResult = SendError | float | str | None  # error, seconds to wait, LATE, or None: sent


async def _send_all(batch: list[Delivery], token: str, send_by: float) -> dict[int, SendResult]:
    window = limiter.AsyncWindow()
    gate = asyncio.Semaphore(max(1, settings.DELIVERY_SEND_CONCURRENCY))
    try:
        async with async_client(settings.DELIVERY_SEND_CONCURRENCY) as http:
            results = await asyncio.gather(
                *(_send_one(d, token, send_by, window, gate, http) for d in batch), return_exceptions=True
            )
    finally:
        await window.aclose()
    # An unexpected error in one send fails that delivery (retried later), not the batch.
    return {
        d.pk: SendError(f"{type(r).__name__}: {r}")
        if isinstance(r, BaseException) and not isinstance(r, SendError)
        else r
        for d, r in zip(batch, results, strict=True)
    }


async def _send_one(
    delivery: Delivery, token: str, send_by: float, window: limiter.AsyncWindow, gate: asyncio.Semaphore, http
) -> SendResult:
    async with gate:
        if time.monotonic() > send_by:
            return LATE
        robot = delivery.chat.webhook_digest if delivery.chat_id else None
        member = f"{token}:{delivery.pk}"
        if robot:
            try:
                wait = await window.acquire(robot, member)
            except Exception as exc:  # Redis unreachable: not sent, free again in a moment
                log.warning("delivery %s: robot limit unavailable (%s)", delivery.pk, type(exc).__name__)
                return float(settings.DELIVERY_RETRY_BASE_SECONDS)
            if wait > 0:
                return float(wait)
        provider = provider_for(delivery.provider)
        try:
            if isinstance(provider, RobotProvider):
                await provider.send_async(_outbound(delivery), http)
            else:  # a synchronous client (WeChat's subscribe messages): off the event loop
                await asyncio.to_thread(provider.send, _outbound(delivery))
        except SendError as exc:
            return exc
        except Exception as exc:  # a bug must not leave the row leased and swept forever
            log.exception("delivery %s: provider %s crashed", delivery.pk, delivery.provider)
            return SendError(f"{type(exc).__name__}: {exc}")
        finally:
            if robot:
                try:
                    await window.settle(robot, member)
                except Exception:  # the slot then simply counts from its reservation
                    log.warning("delivery %s: could not settle the robot slot", delivery.pk)
        return None


def _outbound(delivery: Delivery) -> Outbound:
    message = delivery.message
    chat = delivery.chat
    # A group chat is a public room: what residents wrote is masked before it is posted there.
    title, body = (mask_personal(message.title), mask_personal(message.body)) if chat else (message.title, message.body)
    return Outbound(
        title=title,
        body=body,
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


def _record_sent(batch: list[Delivery], token: str, *, now: datetime) -> None:
    """`succeed` for every delivery of the batch the robot took, still under our lease: one
    UPDATE ... RETURNING and one INSERT of their audit rows."""
    if not batch:
        return
    sources, target = Delivery.TRANSITIONS["succeed"]
    table = connection.ops.quote_name(Delivery._meta.db_table)
    ids = [d.pk for d in batch]
    marks = ", ".join(["%s"] * len(ids))
    states = ", ".join(["%s"] * len(sources))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, sending_until = NULL, lease_token = '', attempts = attempts + 1,"
            f" sent_at = %s, last_error = '' WHERE id IN ({marks}) AND lease_token = %s AND status IN ({states})"
            " RETURNING id",
            [target, timezone.now(), *ids, token, *sorted(sources)],
        )
        updated = {row[0] for row in cursor.fetchall()}
        DeliveryLog.objects.bulk_create(
            [
                DeliveryLog(delivery_id=d.pk, action="succeed", from_status=d.status, to_status=target, at=now)
                for d in batch
                if d.pk in updated
            ]
        )
    for delivery in batch:
        if delivery.pk not in updated:
            log.warning("delivery %s: lease lost before recording succeed", delivery.pk)


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

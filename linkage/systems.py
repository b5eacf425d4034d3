"""The two linked systems as `backend.outbox.System`s, and the sending of their outboxes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from backend import outbox

from .models import LinkedSystem, OutboundCall


def _linked(name: str, *, base_url: Callable[[], str], secret: Callable[[], str]) -> outbox.System:
    """A linked system: its address and secret read when sending (tests override them), the
    retry schedule the linkage's own."""
    return outbox.System(
        name=name,
        base_url=base_url,
        secret=secret,
        base_delay_seconds=settings.LINKAGE_RETRY_BASE_SECONDS,
        max_delay_seconds=settings.LINKAGE_RETRY_MAX_SECONDS,
    )


SYSTEMS = {
    LinkedSystem.PETITION: _linked(
        "petition", base_url=lambda: settings.PETITION_API_BASE, secret=lambda: settings.PETITION_SECRET
    ),
    LinkedSystem.CONFLICT: _linked(
        "conflict", base_url=lambda: settings.CONFLICT_API_BASE, secret=lambda: settings.CONFLICT_SECRET
    ),
}


def system_of(key: str) -> outbox.System:
    return SYSTEMS[LinkedSystem(key.split(":", 1)[0])]


def queue_call(*, system: str, key: str, path: str, payload: dict) -> OutboundCall:
    """An outbound call, written in the caller's transaction and sent after it commits."""
    call = OutboundCall.objects.create(system=system, key=f"{system}:{key}", path=path, payload=payload)

    def send(ordering_key: str) -> None:
        from .tasks import send_linked_calls

        send_linked_calls.delay(ordering_key)

    outbox.enqueue_on_commit(send, call.key)
    return call


def send_key(key: str, *, now: datetime | None = None) -> int:
    return outbox.send_key(OutboundCall, system_of(key), key, now=now)


def sweep(*, now: datetime | None = None) -> int:
    """Send every ordering key whose head is due (the periodic task; also what catches up
    after an outage or a broker that was down at commit)."""
    now = now or timezone.now()
    return sum(send_key(key, now=now) for key in outbox.keys_due(OutboundCall, now=now))

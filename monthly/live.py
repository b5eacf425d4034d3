"""Live tallies over the WebSocket: after a ballot commits in a live round, the tally is
published at most once a second per round, with a trailing publish so the last ballots are
never left out."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from notifications.realtime import publish

from . import selectors
from .models import Round


def gate_key(round_id: int) -> str:
    return f"monthly:tally-gate:{round_id}"


def dirty_key(round_id: int) -> str:
    return f"monthly:tally-dirty:{round_id}"


def request_tally_publish(round_id: int) -> None:
    """After a ballot commits in a live round: mark the tally changed and publish it unless
    it went out less than a second ago (then the trailing task sends it)."""
    cache.set(dirty_key(round_id), 1, 3600)
    publish_tally_if_due(round_id)


def publish_tally_if_due(round_id: int) -> bool:
    """At most once a second per round (SET NX EX gate); each publish schedules one trailing
    run a second later, so the last ballots are never left unpublished."""
    from .tasks import publish_round_tally

    if not cache.add(gate_key(round_id), 1, settings.MONTHLY_TALLY_PUBLISH_SECONDS):
        return False
    if not cache.delete(dirty_key(round_id)):  # nothing new since the last publish
        return False
    round_ = Round.objects.filter(pk=round_id).first()
    if round_ is None or round_.results_visibility != Round.Visibility.LIVE:
        return False
    publish(f"monthly.round.{round_id}", "round_tally", selectors.tally_payload(round_))
    publish_round_tally.apply_async((round_id,), countdown=settings.MONTHLY_TALLY_PUBLISH_SECONDS + 0.05)
    return True

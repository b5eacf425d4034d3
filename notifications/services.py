"""The one entry point other apps call to notify people: `notify(...)`.

CONTRACT (other apps rely on it; keep the signature):

    notify(
        event="appeal_accepted",          # a registered EventTemplate key
        users=[user, ...] or a QuerySet,  # inbox rows (and subscribe messages) for these users
        grid=unit or None,                # the group chats of this unit receive the message
        subtree=False,                    # True: chats of every unit under `grid` as well
        residents_under=None,             # a GridUnit: inbox rows for every verified resident
                                          #   living under it (batched; e.g. a district vote)
        context={"title": ..., ...},      # JSON-serializable values for the templates
        channels=None,                    # subset of {"inbox", "group_chat", "subscribe"}; None = all
    ) -> None

Called inside the caller's transaction: it writes the inbox and delivery rows there and
enqueues sending on commit, so nothing is sent for a change that rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .templates import template_for

ALL_CHANNELS = frozenset({"inbox", "group_chat", "subscribe"})


def notify(
    *,
    event: str,
    users: Iterable[Any] = (),
    grid: Any = None,
    subtree: bool = False,
    residents_under: Any = None,
    context: dict[str, Any] | None = None,
    channels: Iterable[str] | None = None,
) -> None:
    """Placeholder until the notifications issue lands: validates the event and does nothing."""
    template_for(event)

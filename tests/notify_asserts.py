"""What a use case notified, read back from the rows `notify` wrote (Message, Notification,
Delivery), the way Zulip's `verify_action` checks the events an action sent: no patching of
the project's code, the real notify runs.

    with captured_notifications() as sent:
        api.post(...)
    assert sent.to(resident) == ["appeal_accepted"]
    assert sent.deliveries("appeal_submitted") == [("group_chat", chat.pk)]
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from notifications.models import Delivery, Message, Notification


class Captured:
    """The notifications written since it started (or since `clear()`)."""

    def __init__(self) -> None:
        self.since = 0
        self.clear()

    def clear(self) -> None:
        self.since = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def messages(self) -> list[Message]:
        return list(Message.objects.filter(pk__gt=self.since).order_by("pk"))

    def events(self) -> list[str]:
        """One entry per notify call, in order."""
        return [m.event for m in self.messages()]

    def to(self, user: Any) -> list[str]:
        """The events that reached `user`'s inbox, in order."""
        return list(
            Notification.objects.filter(user_id=user.pk, message_id__gt=self.since)
            .order_by("message_id", "pk")
            .values_list("message__event", flat=True)
        )

    def recipients(self, event: str) -> set[int]:
        """The user ids whose inbox got `event`."""
        return set(
            Notification.objects.filter(message_id__gt=self.since, message__event=event).values_list(
                "user_id", flat=True
            )
        )

    def deliveries(self, event: str | None = None) -> list[tuple[str, int | None]]:
        """(channel, chat id or user id) of each outside delivery written, in order."""
        rows = Delivery.objects.filter(message_id__gt=self.since).order_by("pk")
        if event is not None:
            rows = rows.filter(message__event=event)
        return [(d.channel, d.chat_id if d.chat_id else d.user_id) for d in rows]

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Each message as it was stored (event, title, body, context, its recipients)."""
        return [
            {
                "event": m.event,
                "title": m.title,
                "body": m.body,
                "context": m.context,
                "users": sorted(m.notifications.values_list("user_id", flat=True)),
            }
            for m in self.messages()
        ]


@contextmanager
def captured_notifications() -> Iterator[Captured]:
    yield Captured()

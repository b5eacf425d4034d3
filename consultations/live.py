"""Live updates of consultations over the WebSocket `/ws/notifications/` (notifications.realtime,
the one push mechanism, as monthly's tallies use it). Each kind of update is a `LiveTopic`,
`<prefix>.<id>`, allowed to whoever may see the consultation it belongs to, published after
commit (nothing goes out for a write that rolled back), best effort.

Here: live motion counts. A client watching a meeting subscribes to `consultations.meeting.<id>`
and receives `motion_updated` with the motion as GET /meetings/{id} shows it (counts only, never
who voted what) when it is opened, voted on or closed. The thread's live posts are the
discussion's (discussion/realtime.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from notifications import realtime

from .models import Consultation, Meeting, Motion
from .selectors import consultations_visible_to
from .serializers import MotionOut


class LiveTopic:
    """`visible(consultations the user sees, id)`: whether the object `id` is among them."""

    def __init__(self, prefix: str, visible: Callable[[QuerySet[Consultation], int], bool]) -> None:
        self.prefix, self.visible = prefix, visible

    def topic_of(self, pk: int) -> str:
        return f"{self.prefix}.{pk}"

    def may_listen(self, user: Any, pk: int) -> bool:
        return getattr(user, "is_authenticated", False) and self.visible(consultations_visible_to(user=user), pk)

    def register(self) -> None:
        realtime.register_topic(self.prefix, self.may_listen)

    def publish(self, pk: int, message_type: str, payload: Any) -> None:
        topic = self.topic_of(pk)
        transaction.on_commit(lambda: realtime.publish(topic, message_type, payload), robust=True)


MEETINGS = LiveTopic(
    "consultations.meeting",
    lambda visible, pk: Meeting.objects.filter(pk=pk, consultation__in=visible).exists(),
)


def publish_motion(motion: Motion) -> None:
    MEETINGS.publish(motion.meeting_id, "motion_updated", MotionOut(motion).data)

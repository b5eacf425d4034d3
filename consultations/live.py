"""Live motion counts over the WebSocket `/ws/notifications/` (notifications.realtime, the one
push mechanism, as the thread's live posts and monthly's tallies use it): a client watching a
meeting subscribes to topic `consultations.meeting.<meeting id>`, allowed to whoever may see
its consultation, and receives `motion_updated` with the motion as GET /meetings/{id} shows it
(counts only, never who voted what) when it is opened, voted on or closed."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from notifications import realtime

from .models import Meeting, Motion
from .selectors import consultations_visible_to

TOPIC = "consultations.meeting"


def topic_of(meeting_id: int) -> str:
    return f"{TOPIC}.{meeting_id}"


def may_watch_meeting(user: Any, meeting_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    visible = consultations_visible_to(user=user)
    return Meeting.objects.filter(pk=meeting_id, consultation__in=visible).exists()


def publish_motion(motion: Motion) -> None:
    """After commit (nothing goes out for a vote that rolled back); best effort."""
    from .api import MotionOut  # the REST shape, so a watcher and a reader see the same motion

    payload = MotionOut(motion).data
    topic = topic_of(motion.meeting_id)
    transaction.on_commit(lambda: realtime.publish(topic, "motion_updated", payload), robust=True)

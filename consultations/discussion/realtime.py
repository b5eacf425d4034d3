"""Live thread updates over the WebSocket `/ws/notifications/` (notifications.realtime):
a client subscribes to topic `consultations.thread.<consultation id>`; the authorizer lets in
whoever may see the consultation. Posts go out when they become visible (`post_created`) and
when moderation changes them (`post_updated`, a hidden one as its placeholder); held posts
never go out (only their author sees them, in the answer to their own write)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from notifications import realtime

from ..models import Post, PostStatus
from ..selectors import consultations_visible_to

TOPIC = "consultations.thread"


def topic_of(consultation_id: int) -> str:
    return f"{TOPIC}.{consultation_id}"


def may_follow_thread(user: Any, consultation_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return consultations_visible_to(user=user).filter(pk=consultation_id).exists()


def publish_post(post: Post, message_type: str) -> None:
    """After commit (nothing goes out for a write that rolled back); best effort."""
    if post.status == PostStatus.HELD:
        return
    from .serializers import PostOut

    payload = PostOut(post, context={"viewer_id": None}).data
    topic = topic_of(post.consultation_id)
    transaction.on_commit(lambda: realtime.publish(topic, message_type, payload), robust=True)

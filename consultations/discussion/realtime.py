"""Live thread updates over the WebSocket (consultations.live): a client subscribes to topic
`consultations.thread.<consultation id>`, allowed to whoever may see the consultation. Posts go
out when they become visible (`post_created`) and when moderation changes them (`post_updated`,
a hidden one as its placeholder); held posts never go out (only their author sees them, in the
answer to their own write)."""

from __future__ import annotations

from ..live import LiveTopic
from ..models import Post, PostStatus

THREADS = LiveTopic("consultations.thread", lambda visible, pk: visible.filter(pk=pk).exists())


def publish_post(post: Post, message_type: str) -> None:
    if post.status == PostStatus.HELD:
        return
    from .serializers import PostOut

    THREADS.publish(post.consultation_id, message_type, PostOut(post, context={"viewer_id": None}).data)

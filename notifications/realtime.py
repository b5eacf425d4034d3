"""Real-time push over the WebSocket `/ws/notifications/?token=` (Channels groups).

CONTRACT (other apps rely on it; keep the signatures):

- Every socket joins its user's group, `user_group(user_id)`; `push_to_users` sends there.
- A socket may also subscribe to a *topic* by sending
      {"action": "subscribe", "topic": "<prefix>.<id>"}      (and "unsubscribe")
  The app that owns the prefix registers an authorizer with `register_topic(prefix, fn)`;
  `fn(user, object_id) -> bool` decides, at subscribe time, whether this user may receive the
  topic (e.g. monthly: live tallies only when the round's results are visible to them). A
  refused subscription is answered {"type": "error", "payload": {"code": "topic_forbidden"}}.
- `publish(topic, type, payload)` sends {"type", "payload"} to every socket subscribed.
Messages on the wire are always {"type": str, "payload": object}.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

Authorizer = Callable[[Any, int], bool]
_TOPICS: dict[str, Authorizer] = {}


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def topic_group(topic: str) -> str:
    return f"topic.{topic}"


def register_topic(prefix: str, authorize: Authorizer) -> None:
    _TOPICS[prefix] = authorize


def authorize_topic(user: Any, topic: str) -> bool:
    prefix, _, raw_id = topic.rpartition(".")
    authorize = _TOPICS.get(prefix)
    if authorize is None or not raw_id.isdigit():
        return False
    return bool(authorize(user, int(raw_id)))


def _send(group: str, message_type: str, payload: Any) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, {"type": "push", "message": {"type": message_type, "payload": payload}})


def push_to_users(user_ids: Iterable[int], message_type: str, payload: Any) -> None:
    for user_id in user_ids:
        _send(user_group(user_id), message_type, payload)


def publish(topic: str, message_type: str, payload: Any) -> None:
    _send(topic_group(topic), message_type, payload)

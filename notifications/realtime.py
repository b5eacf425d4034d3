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

The notifications app itself sends {"type": "notification", "payload": <inbox row as in
GET /api/v1/notifications>} for each new inbox row, and on connect {"type": "ready",
"payload": {"unread_count": n}}; a client that was offline catches up through the REST inbox.
`push_each` sends a different message to each of many users in one event loop; the sockets
register their users as online (`mark_online`), so a fan-out to 100,000 residents may skip
those with no socket open (`online_user_ids`). Pushing is best effort: the inbox is the record.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache

log = logging.getLogger(__name__)

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


def push_each(messages: Iterable[tuple[int, str, Any]], *, concurrency: int = 100) -> None:
    """Send (user_id, type, payload) messages, each to its user's sockets, in one event loop."""
    layer = get_channel_layer()
    batch = list(messages)
    if layer is None or not batch:
        return

    async def run() -> None:
        gate = asyncio.Semaphore(concurrency)

        async def one(user_id: int, message_type: str, payload: Any) -> None:
            async with gate:
                await layer.group_send(
                    user_group(user_id), {"type": "push", "message": {"type": message_type, "payload": payload}}
                )

        await asyncio.gather(*(one(*message) for message in batch))

    async_to_sync(run)()


# --- presence: which users have a socket open (counted per user in the shared cache) -------
ONLINE_TTL = 24 * 3600


def _online_key(user_id: int) -> str:
    return f"ws-online:{user_id}"


def mark_online(user_id: int) -> None:
    key = _online_key(user_id)
    cache.add(key, 0, ONLINE_TTL)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ONLINE_TTL)
    cache.touch(key, ONLINE_TTL)


def mark_offline(user_id: int) -> None:
    key = _online_key(user_id)
    try:
        if cache.decr(key) <= 0:
            cache.delete(key)
    except ValueError:
        pass


def online_user_ids(user_ids: Iterable[int]) -> set[int]:
    keys = {_online_key(user_id): user_id for user_id in user_ids}
    found = cache.get_many(list(keys))
    return {keys[key] for key, count in found.items() if count and int(count) > 0}

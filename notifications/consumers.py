"""WebSocket `/ws/notifications/?token=<access JWT>` (contract in notifications/realtime.py).

backend.ws_auth puts the token's user into the scope; a missing or bad token is accepted and
closed at once with code 4401 (a refusal before accept would reach the mini-program as a bare
HTTP 403 it cannot tell from other failures). Each socket joins its user's group; topics are
joined on request when the owning app's authorizer allows.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import realtime, selectors

CLOSE_UNAUTHENTICATED = 4401


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.groups_joined: set[str] = set()
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self._join(realtime.user_group(self.user.pk))
        unread = await database_sync_to_async(self._online_and_unread)()
        await self.send_json({"type": "ready", "payload": {"unread_count": unread}})

    def _online_and_unread(self) -> int:
        realtime.mark_online(self.user.pk)
        return selectors.unread_count(user=self.user)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", set()):
            await self.channel_layer.group_discard(group, self.channel_name)
        user = getattr(self, "user", None)
        if user is not None and user.is_authenticated and realtime.user_group(user.pk) in self.groups_joined:
            await database_sync_to_async(realtime.mark_offline)(user.pk)

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self._error("bad_message")
            return
        action, topic = content.get("action"), content.get("topic")
        if action == "ping":
            await self.send_json({"type": "pong", "payload": {}})
        elif action in {"subscribe", "unsubscribe"} and isinstance(topic, str) and topic:
            if action == "unsubscribe":
                group = realtime.topic_group(topic)
                if group in self.groups_joined:
                    await self.channel_layer.group_discard(group, self.channel_name)
                    self.groups_joined.discard(group)
                await self.send_json({"type": "unsubscribed", "payload": {"topic": topic}})
            elif await database_sync_to_async(realtime.authorize_topic)(self.user, topic):
                await self._join(realtime.topic_group(topic))
                await self.send_json({"type": "subscribed", "payload": {"topic": topic}})
            else:
                await self._error("topic_forbidden", topic=topic)
        else:
            await self._error("bad_message")

    async def _error(self, code: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "payload": {"code": code, **extra}})

    async def push(self, event: dict[str, Any]) -> None:
        """A message sent to one of our groups by realtime._send / push_each."""
        await self.send_json(event["message"])

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None

"""Listening to a WebSocket topic through the channel layer, as the consumer would."""

from __future__ import annotations

import asyncio
import uuid

from asgiref.sync import async_to_sync
from channels.layers import channel_layers

from notifications.realtime import topic_group


def _layer():
    # A fresh layer per call: channels_redis binds its receive buffers to the event loop, and
    # each async_to_sync call runs its own loop.
    return channel_layers.make_backend("default")


def listen(topic: str) -> str:
    """A plain (not process-specific) channel subscribed to the topic's group."""
    channel = f"test-monthly-{uuid.uuid4().hex}"
    async_to_sync(_layer().group_add)(topic_group(topic), channel)
    return channel


def receive_all(channel: str, timeout: float = 0.3) -> list[dict]:
    layer = _layer()

    async def _drain() -> list[dict]:
        got = []
        while True:
            try:
                got.append(await asyncio.wait_for(layer.receive(channel), timeout))
            except TimeoutError:
                return got

    return [m["message"] for m in async_to_sync(_drain)()]

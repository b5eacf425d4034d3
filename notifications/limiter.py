"""A sliding-window rate limiter per robot, shared by every worker through Redis.

Each message reserves a slot in a sorted set (one per robot) scored by time. A slot is scored a
little in the future (the connect timeout): the robot counts a message when it arrives, which is
after we reserve it, so our window must never end before the robot's does. Once the request
is answered the slot is re-scored with the answer's time, which is still after the arrival.
Both steps are Lua scripts, so the check-and-reserve is atomic across workers; the clock is
Redis's own (`TIME`), the same for every worker host.

Own code rather than a library: django-ratelimit and limits count requests we receive or use
fixed windows; a fixed window lets 2x the limit through across its edge, which the robots
refuse (WeCom 45009, DingTalk 130101).

Without REDIS_URL (the embedded demo, one process) an in-process window does the same job.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from django.conf import settings

_ACQUIRE = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local slack_ms = tonumber(ARGV[3])
local member = ARGV[4]
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now_ms - window_ms)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now_ms + slack_ms, member)
  redis.call('PEXPIRE', key, window_ms + slack_ms + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window_ms - now_ms
if wait < 1 then wait = 1 end
return wait
"""

_SETTLE = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now_ms, ARGV[1])
return 1
"""

_lock = threading.Lock()
_client = None
_scripts: dict[str, object] = {}


def _redis():
    global _client
    with _lock:
        if _client is None:
            import redis

            _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=3)
            _scripts["acquire"] = _client.register_script(_ACQUIRE)
            _scripts["settle"] = _client.register_script(_SETTLE)
    return _client


def _key(robot: str) -> str:
    return f"robot-rate:{robot}"


def _window_ms() -> int:
    return int(settings.ROBOT_RATE_WINDOW_SECONDS * 1000)


def acquire(robot: str, member: str) -> float:
    """Reserve a slot for one message to `robot`: 0.0 when granted, else seconds to wait."""
    limit = settings.ROBOT_MESSAGES_PER_MINUTE
    slack_ms = int(settings.OUTBOUND_CONNECT_TIMEOUT * 1000)
    if not settings.USE_REDIS:
        return _local.acquire(robot, member, limit, _window_ms(), slack_ms)
    _redis()
    wait_ms = _scripts["acquire"](keys=[_key(robot)], args=[limit, _window_ms(), slack_ms, member])
    return int(wait_ms) / 1000


def settle(robot: str, member: str) -> None:
    """The message was answered: its slot now counts from this moment."""
    if not settings.USE_REDIS:
        _local.settle(robot, member)
        return
    _redis()
    _scripts["settle"](keys=[_key(robot)], args=[member])


class AsyncWindow:
    """`acquire` and `settle` from an event loop (a batch of concurrent sends), with its own
    asyncio Redis client: a slot is still reserved just before its message goes out and
    re-scored when it is answered."""

    def __init__(self) -> None:
        self.client = None
        if settings.USE_REDIS:
            import redis.asyncio

            # A few connections for the whole batch (a script takes well under a millisecond),
            # not one per message in flight.
            pool = redis.asyncio.BlockingConnectionPool.from_url(
                settings.REDIS_URL, max_connections=4, timeout=10, socket_timeout=5, socket_connect_timeout=3
            )
            self.client = redis.asyncio.Redis(connection_pool=pool)
            self._acquire = self.client.register_script(_ACQUIRE)
            self._settle = self.client.register_script(_SETTLE)

    async def acquire(self, robot: str, member: str) -> float:
        limit = settings.ROBOT_MESSAGES_PER_MINUTE
        slack_ms = int(settings.OUTBOUND_CONNECT_TIMEOUT * 1000)
        if self.client is None:
            return _local.acquire(robot, member, limit, _window_ms(), slack_ms)
        wait_ms = await self._acquire(keys=[_key(robot)], args=[limit, _window_ms(), slack_ms, member])
        return int(wait_ms) / 1000

    async def settle(self, robot: str, member: str) -> None:
        if self.client is None:
            _local.settle(robot, member)
            return
        await self._settle(keys=[_key(robot)], args=[member])

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            await self.client.connection_pool.disconnect()


class _LocalWindow:
    """The same window for a single process (embedded default, no Redis)."""

    def __init__(self) -> None:
        self.slots: dict[str, dict[str, float]] = defaultdict(dict)
        self.lock = threading.Lock()

    def acquire(self, robot: str, member: str, limit: int, window_ms: int, slack_ms: int) -> float:
        now_ms = time.time() * 1000
        with self.lock:
            slots = self.slots[robot]
            for name, at in list(slots.items()):
                if at <= now_ms - window_ms:
                    del slots[name]
            if len(slots) < limit:
                slots[member] = now_ms + slack_ms
                return 0.0
            return max(1.0, min(slots.values()) + window_ms - now_ms) / 1000

    def settle(self, robot: str, member: str) -> None:
        with self.lock:
            if member in self.slots[robot]:
                self.slots[robot][member] = time.time() * 1000


_local = _LocalWindow()

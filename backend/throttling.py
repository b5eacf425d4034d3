"""Request throttling for every API view: fixed-window counters in Redis (or the local cache
in the embedded default).

Own code rather than DRF's rate throttles: those keep a pickled list of timestamps per client
and read and write it through Django's cache, i.e. two round trips and a few hundred
microseconds of CPU on every request of a district-wide vote. A fixed window (INCR, and EXPIRE
when the window opens, in one server-side script on one pooled client) is one command, one
round trip and one reply, and precise enough for abuse protection.
Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] ("30/min"), read when a request
arrives, so a changed setting applies at once.

When Redis is unreachable the throttles fail open onto a per-process counter (`LocalTTLStore`):
a throttle guards against abuse, it is not what the request is for, and turning a cache outage
into a refusal of every call (or a 500) would take the whole API down with one Redis. Each web
process then enforces the rate on its own, i.e. the limit is looser by the number of processes
for as long as Redis is gone. A short circuit breaker keeps requests from paying a connect
attempt each while it is.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

log = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# After a failed Redis call, counters stay local this long before Redis is tried again.
BREAKER_SECONDS = 2.0


def parse_rate(rate: str) -> tuple[int, int]:
    """ "30/min" -> (30, 60)."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period[0]]


@lru_cache(maxsize=4)
def _redis(url: str) -> Any:
    import redis

    # Short timeouts: a throttle that waits seconds for a dead Redis is an outage of its own.
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


# The window's count after this request; the key expires with its window (set when it opens).
_HIT_LUA = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


@lru_cache(maxsize=4)
def _hit_script(url: str) -> Any:
    """EVALSHA of _HIT_LUA on the client of `url` (redis-py loads it again after a flush)."""
    return _redis(url).register_script(_HIT_LUA)


class LocalTTLStore:
    """Counters that expire, in this process: the throttles' fixed windows when the shared ones
    are out of reach, and the login lock-outs' failures and locks."""

    MAX_KEYS = 50_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[int, float]] = {}

    def incr(self, key: str, ttl: float) -> int:
        """One more in the window that `key`'s first count opened for `ttl` seconds; the count."""
        now = time.monotonic()
        with self._lock:
            if len(self._items) > self.MAX_KEYS:  # old windows: dropped in one sweep
                self._items = {k: v for k, v in self._items.items() if v[1] > now}
            count, expires = self._items.get(key, (0, now + ttl))
            if expires <= now:
                count, expires = 0, now + ttl
            self._items[key] = (count + 1, expires)
            return count + 1

    def add(self, key: str, ttl: float) -> None:
        now = time.monotonic()
        with self._lock:
            if key not in self._items or self._items[key][1] <= now:
                self._items[key] = (1, now + ttl)

    def ttl(self, key: str) -> float:
        now = time.monotonic()
        with self._lock:
            item = self._items.get(key)
            return max(0.0, item[1] - now) if item else 0.0

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._items.pop(key, None)


class Breaker:
    """Open for BREAKER_SECONDS after a failure: callers skip Redis meanwhile."""

    def __init__(self) -> None:
        self.open_until = 0.0

    def closed(self) -> bool:
        return time.monotonic() >= self.open_until

    def trip(self, exc: Exception) -> None:
        if self.closed():
            log.warning("Redis unreachable (%s): throttling per process for now", type(exc).__name__)
        self.open_until = time.monotonic() + BREAKER_SECONDS


local_windows = LocalTTLStore()
redis_breaker = Breaker()


def hit(key: str, period: int) -> int:
    """Count one request in the current window of `period` seconds; return the count so far."""
    if settings.USE_REDIS:
        import redis

        if redis_breaker.closed():
            try:
                return int(_hit_script(settings.REDIS_URL)(keys=[key], args=[period]))
            except redis.RedisError as exc:
                redis_breaker.trip(exc)
        return local_windows.incr(key, period)
    cache.add(key, 0, period)  # the embedded default: the local-memory cache
    return cache.incr(key)


class WindowRateThrottle(BaseThrottle):
    """Allow `rate` requests per window to each client that `ident` names (None: not limited)."""

    scope = ""

    def ident(self, request: Any, view: Any) -> str | None:
        raise NotImplementedError

    def rate_name(self, view: Any) -> str:
        return self.scope

    def allow_request(self, request: Any, view: Any) -> bool:
        self.retry_after = 0
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.rate_name(view))
        who = self.ident(request, view)
        if not rate or who is None:
            return True
        limit, period = parse_rate(rate)
        now = int(time.time())
        key = f"throttle:{self.rate_name(view)}:{who}:{now // period}"
        self.retry_after = period - now % period
        return hit(key, period) <= limit

    def wait(self) -> float:
        return float(self.retry_after)


class UserThrottle(WindowRateThrottle):
    """Each signed-in user (rate "user")."""

    scope = "user"

    def ident(self, request: Any, view: Any) -> str | None:
        user = request.user
        return str(user.pk) if user and user.is_authenticated else None


class AnonThrottle(WindowRateThrottle):
    """Each client address without a token (rate "anon")."""

    scope = "anon"

    def ident(self, request: Any, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.get_ident(request)


class ScopedThrottle(WindowRateThrottle):
    """A view's own rate, named by its `throttle_scope` (e.g. "login" per address, "ballot"
    per voter): per user when signed in, else per address."""

    def rate_name(self, view: Any) -> str:
        return getattr(view, "throttle_scope", "")

    def ident(self, request: Any, view: Any) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"u{user.pk}"
        return self.get_ident(request)


# --- lock-outs (password login) -------------------------------------------------------------
#
# Failures are counted per name in a window that starts at the first failure; reaching the
# limit locks the name for `lockout` seconds, and the lock's own TTL is what Retry-After says.
# Redis keeps them shared by every web process; when it is unreachable (or in the embedded
# default) this process's LocalTTLStore (above) does, for the same reason the throttles fail open.


local_lockouts = LocalTTLStore()


def _shared() -> Any:
    """The Redis client, or None: embedded default, or Redis known to be down right now."""
    if settings.USE_REDIS and redis_breaker.closed():
        return _redis(settings.REDIS_URL)
    return None


def lockout_remaining(name: str) -> int:
    """Seconds left on `name`'s lock (0: not locked)."""
    import redis

    client = _shared()
    if client is not None:
        try:
            ttl = client.ttl(f"lockout:{name}")
            return max(0, int(ttl))
        except redis.RedisError as exc:
            redis_breaker.trip(exc)
    return int(-(-local_lockouts.ttl(f"lockout:{name}") // 1))


def record_failure(name: str, *, limit: int, lockout: int) -> None:
    import redis

    client = _shared()
    if client is not None:
        try:
            pipe = client.pipeline(transaction=False)
            pipe.incr(f"failures:{name}")
            pipe.expire(f"failures:{name}", lockout, nx=True)
            count = int(pipe.execute()[0])
            if count >= limit:
                client.set(f"lockout:{name}", 1, ex=lockout, nx=True)
                client.delete(f"failures:{name}")
            return
        except redis.RedisError as exc:
            redis_breaker.trip(exc)
    if local_lockouts.incr(f"failures:{name}", lockout) >= limit:
        local_lockouts.add(f"lockout:{name}", lockout)
        local_lockouts.delete(f"failures:{name}")


def clear_failures(name: str) -> None:
    import redis

    client = _shared()
    if client is not None:
        try:
            client.delete(f"failures:{name}")
        except redis.RedisError as exc:
            redis_breaker.trip(exc)
    local_lockouts.delete(f"failures:{name}")

"""Request throttling for every API view: fixed-window counters in Redis (or the local cache
in the embedded default).

Own code rather than DRF's rate throttles: those keep a pickled list of timestamps per client
and read and write it through Django's cache, i.e. two round trips and a few hundred
microseconds of CPU on every request of a district-wide vote. A fixed window (INCR + EXPIRE,
pipelined on one pooled client) is one round trip and precise enough for abuse protection.
Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] ("30/min"), read when a request
arrives, so a changed setting applies at once.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "30/min" -> (30, 60)."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period[0]]


@lru_cache(maxsize=4)
def _redis(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


def hit(key: str, period: int) -> int:
    """Count one request in the current window of `period` seconds; return the count so far."""
    if settings.USE_REDIS:
        pipe = _redis(settings.REDIS_URL).pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, period)
        return int(pipe.execute()[0])
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

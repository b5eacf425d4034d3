"""A cheap per-voter throttle for the ballot endpoint, the hot path of a district vote.

DRF's UserRateThrottle keeps a pickled list of timestamps per user and reads and writes it
through Django's Redis cache, which builds a new redis client object for each call: two round
trips and a few hundred microseconds of CPU per request. A fixed window counter (INCR and
EXPIRE, pipelined on a pooled client) is one round trip and precise enough here: a voter needs
one request, and the UNIQUE constraint already makes repeats harmless.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "30/min" -> (30, 60)."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period[0]]


@lru_cache(maxsize=1)
def _redis(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


class BallotThrottle(BaseThrottle):
    def __init__(self) -> None:
        self.limit, self.period = parse_rate(settings.MONTHLY_BALLOT_THROTTLE)
        self.retry_after = self.period

    def allow_request(self, request: Any, view: Any) -> bool:
        window = int(time.time()) // self.period
        key = f"monthly:ballot-throttle:{request.user.pk}:{window}"
        if settings.USE_REDIS:
            pipe = _redis(settings.REDIS_URL).pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, self.period)
            hits = pipe.execute()[0]
        else:  # the embedded default (local-memory cache)
            cache.add(key, 0, self.period)
            hits = cache.incr(key)
        self.retry_after = self.period - int(time.time()) % self.period
        return hits <= self.limit

    def wait(self) -> float:
        return float(self.retry_after)

"""GET /healthz: database, cache and broker, for the load balancer (no auth)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)


def _broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # embedded default: tasks run in-process, there is no broker to reach
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


def healthz(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure is the answer, not a crash
            results[name] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in results.values())
    failing = [name for name, v in results.items() if v != "ok"]
    body: dict[str, object] = {"status": "ok" if healthy else "error", "checks": results}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=200 if healthy else 503)

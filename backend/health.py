"""GET /healthz: database, cache and broker, for the load balancer (no auth).

The checks run side by side with one deadline (HEALTH_TIMEOUT_SECONDS, under a second): a dead
Redis or PostgreSQL must make the answer a quick 503 naming it, not a health check that times
out at the load balancer (which then cannot tell a slow server from a dead one).
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

HEALTH_TIMEOUT_SECONDS = 0.8


def _database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # this thread's connection (or pool slot) goes back at once


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

    options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=0.5, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=0.5)


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}
# A few threads for the checks; a check stuck past the deadline finishes (its own timeouts
# are short) without holding up the answer.
_pool = ThreadPoolExecutor(max_workers=2 * len(CHECKS), thread_name_prefix="healthz")


def _run(check: Any) -> str:
    try:
        check()
        return "ok"
    except Exception as exc:  # any failure is the answer, not a crash
        return f"error: {type(exc).__name__}"


def healthz(request: HttpRequest) -> JsonResponse:
    futures = {name: _pool.submit(_run, check) for name, check in CHECKS.items()}
    wait(futures.values(), timeout=HEALTH_TIMEOUT_SECONDS)
    results = {name: f.result() if f.done() else "error: timeout" for name, f in futures.items()}
    healthy = all(v == "ok" for v in results.values())
    failing = [name for name, v in results.items() if v != "ok"]
    body: dict[str, object] = {"status": "ok" if healthy else "error", "checks": results}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=200 if healthy else 503, headers={"Cache-Control": "no-store"})


class HealthOut(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "error"])
    checks = serializers.DictField(child=serializers.CharField(), help_text='"ok" or "error: <kind>" per check')
    failing = serializers.ListField(child=serializers.CharField(), required=False)


class HealthApi(APIView):
    """For the load balancer: no login, no throttle, never cached."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(
        tags=["health"],
        operation_id="healthz",
        responses={200: HealthOut, 503: HealthOut},
        description="Database, cache and broker: 200 when all answer, else 503 naming the failing checks.",
    )
    def get(self, request: HttpRequest) -> JsonResponse:
        return healthz(request)

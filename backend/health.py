"""GET /healthz: database, cache and broker, for the load balancer (no auth)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


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

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_checks_database_cache_and_broker(api, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # reach the real broker (Redis) in this check
    response = api.get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}


def test_healthz_names_the_failing_check(api, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    response = api.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"] == "ok" and body["checks"]["broker"].startswith("error")


def test_schema_and_docs_are_served_offline(api, db):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "/static/drf_spectacular_sidecar/" in html


def test_the_schema_has_no_warnings(db):
    """Colliding component names make one serializer silently replace another in the schema."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("spectacular", "--fail-on-warn", "--validate", "--format", "openapi-json", stdout=out, stderr=out)
    assert '"/api/v1/appeals"' in out.getvalue()

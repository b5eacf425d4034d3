"""The published schema describes the server exactly: it validates, and schemathesis, driving
every operation as a resident, a staff member and an admin, finds no 5xx, no response outside
its schema and no undocumented status.

The run is bounded: SCHEMATHESIS_MAX_EXAMPLES (default 5) generated cases per operation and
role, derandomized, so it is the same run every time. Half the cases aim their path parameters
at objects that exist (seeded below), so detail answers and actions are checked too, not only
404s. The counts per role are printed (`-s` shows them):

    bin/test tests/backend/test_schema.py -s -k schemathesis
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.appeals.factories import make_appeal, upload
from tests.mediation.factories import MemberFactory, TeamFactory
from tests.monthly.factories import make_round

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@functools.cache
def _generated() -> str:
    return json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str)


@pytest.fixture
def schema_dict() -> dict[str, Any]:
    return json.loads(_generated())  # a fresh copy: schemathesis and the tests may not share one


def test_schema_passes_openapi_spec_validator(schema_dict):
    validate(schema_dict)


def test_lists_are_cursor_pages_and_errors_are_documented(schema_dict):
    appeals = schema_dict["paths"]["/api/v1/appeals"]["get"]
    names = {p["name"] for p in appeals["parameters"]}
    assert {"cursor", "page_size"} <= names
    page = appeals["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    envelope = schema_dict["components"]["schemas"][page]
    assert set(envelope["required"]) == {"next", "previous", "results"}
    assert envelope["properties"]["results"]["type"] == "array"
    accept = schema_dict["paths"]["/api/v1/appeals/{appeal_id}/accept"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "429", "503"} <= set(accept)
    error = accept["409"]["content"]["application/json"]["schema"]["$ref"]
    assert error == "#/components/schemas/Error"
    assert "Retry-After" in accept["429"]["headers"]


def test_bodies_are_json_only_and_uploads_multipart_only(schema_dict):
    for path, operations in schema_dict["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            media = set(operation["requestBody"]["content"])
            expected = {"multipart/form-data"} if path == "/api/v1/attachments" else {"application/json"}
            assert media == expected, f"{method.upper()} {path}: {media}"


def test_operation_ids_are_unique_identifiers(schema_dict):
    ids = [op["operationId"] for ops in schema_dict["paths"].values() for op in ops.values()]
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", i) for i in ids), ids
    normalised = [re.sub(r"[^0-9a-z]", "", i.lower()) for i in ids]
    assert len(set(normalised)) == len(normalised)


def test_no_default_contradicts_its_pattern(schema_dict):
    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for node in walk(schema_dict["components"]):
        if "pattern" in node and isinstance(node.get("default"), str):
            assert re.search(node["pattern"], node["default"]), node


def test_nullability_as_served(schema_dict):
    components = schema_dict["components"]["schemas"]
    assert components["MediationCaseListOut"]["properties"]["team_name"].get("nullable") is True
    assert components["AppealsRequestOut"]["properties"]["lat"].get("nullable") is True


def test_open311_and_health_are_in_the_schema(schema_dict):
    paths = schema_dict["paths"]
    assert "/healthz" in paths
    for tail in ("discovery", "services", "services/{service_code}", "requests", "requests/{request_id}"):
        for ext in ("json", "xml"):  # one path per format, as GeoReport clients name them
            assert f"/open311/v2/{tail}.{ext}" in paths


def test_schema_file_name_is_a_plain_header(api):
    response = api.get("/api/schema/")
    disposition = response["Content-Disposition"]
    assert disposition.isascii() and "=?" not in disposition
    assert re.fullmatch(r'inline; filename="[A-Za-z0-9._-]+"', disposition), disposition


# --- schemathesis -------------------------------------------------------------------------


@pytest.fixture
def world(tree: SimpleNamespace, settings: Any, tmp_path: Any, wechat: Any) -> SimpleNamespace:
    """One of each object, so that path parameters can name something that exists."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from appeals import services as appeal_services
    from mediation import services as mediation_services
    from mediation.models import MemberRole
    from notifications.models import GroupChat, Notification
    from notifications.services import announcement_create

    w = SimpleNamespace()
    photo = appeal_services.attachment_upload(actor=tree.resident1, file=upload())
    w.appeal = make_appeal(submitter=tree.resident1, is_public=True, grid=tree.micro1, attachments=[photo.pk])
    w.attachment = photo
    team = TeamFactory(name="调解队", grid=tree.community1)
    MemberFactory(team=team, user=tree.worker1, role=MemberRole.LEAD)
    w.team = team
    w.case = mediation_services.case_create(
        actor=tree.resident1,
        category="neighbour",
        description="楼上漏水",
        grid=None,
        parties=[mediation_services.PartyIn(name="王女士", role="applicant")],
    )
    w.round = make_round(scope=tree.street1, staff=tree.staff1, open_voting=True)
    w.chat = GroupChat.objects.create(
        grid=tree.street1, name="街道群", provider="wecom", webhook_url="https://127.0.0.1:9/webhook"
    )
    w.announcement = announcement_create(
        actor=tree.staff1, grid=tree.street1, title="通知", body="明天停水", channels=["inbox"]
    )
    w.notification = Notification.objects.filter(user=tree.resident1).first()
    w.residence = tree.resident1.residences.first()
    return w


def _known_ids(tree: SimpleNamespace, w: SimpleNamespace) -> dict[str, Any]:
    return {
        "appeal_id": w.appeal.pk,
        "case_id": w.case.pk,
        "team_id": w.team.pk,
        "round_id": w.round.pk,
        "unit_id": tree.street1.pk,
        "chat_id": w.chat.pk,
        "announcement_id": w.announcement.pk,
        "notification_id": w.notification.pk if w.notification else 1,
        "residence_id": w.residence.pk,
        "request_id": w.appeal.number,
        "service_code": "environment",
        "attachment_id": w.attachment.pk,
    }


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """The real WSGI application, in this thread and this test's transaction: like Django's test
    client, requests do not close the connection the test holds."""
    from django.core.wsgi import get_wsgi_application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(operation: Any, headers: dict[str, str], ours: dict[str, Any], figures: dict[str, Any]) -> None:
    """Up to MAX_EXAMPLES cases of one operation; half aim their path parameters at `ours`."""

    @given(case=operation.as_strategy(), aim=st.booleans())
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, aim: bool) -> None:
        if aim and ours:
            case.path_parameters = {**(case.path_parameters or {}), **ours}
        figures["requests"] += 1
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # collect them all: one run names every violation
            figures["violations"].append(f"{operation.method.upper()} {operation.path}: {str(exc)[:700]}")

    run()


def _run(schema: Any, token: str, known: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    figures: dict[str, Any] = {"operations": 0, "requests": 0, "violations": []}
    for result in schema.get_all_operations():
        operation = result.ok()
        figures["operations"] += 1
        ours = {k: v for k, v in known.items() if k in operation.path_parameters}
        _fuzz(operation, headers, ours, figures)
    return figures


@pytest.mark.parametrize("role", ["resident", "staff", "admin"])
def test_schemathesis_finds_nothing(role, tree, world, wsgi_app, schema_dict):
    user = {"resident": tree.resident1, "staff": tree.staff1, "admin": tree.admin}[role]
    schema = schemathesis.openapi.from_dict(schema_dict)
    schema.app = wsgi_app
    figures = _run(schema, str(RefreshToken.for_user(user).access_token), _known_ids(tree, world))
    violations = figures["violations"]
    print(
        f"\nschemathesis as {role}: {figures['operations']} operations, {figures['requests']} requests, "
        f"{len(violations)} violations"
    )
    unique = list(dict.fromkeys(v.split("\n\nReproduce")[0] for v in violations))
    assert not violations, f"{len(unique)} unique:\n\n" + "\n\n".join(unique[:40])

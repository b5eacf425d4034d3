"""Fixtures for consultations: neighbours with homes of their own, small thresholds, and topics
in each state, made through HTTP by the roles that would make them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from consultations.models import Consultation
from tests.residents.factories import ResidenceFactory, UserFactory

THRESHOLD = 3


@pytest.fixture(autouse=True)
def _consultation_settings(settings: Any) -> None:
    settings.CONSULTATION_SUPPORT_THRESHOLDS = {"micro": THRESHOLD, "grid": THRESHOLD, "community": 5, "street": 5}
    settings.CONSULTATION_DEFAULT_QUORUM = 2
    settings.WECHAT_APPID = ""  # the word list only, unless a test starts the WeChat fake


def url(kind: str, pk: int, action: str = "") -> str:
    return f"/api/v1/{kind}/{pk}" + (f"/{action}" if action else "")


def ok(response: Any, code: int = 200) -> dict[str, Any]:
    assert response.status_code == code, response.content
    return response.json()


def refused(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    if code:
        assert body["error"]["code"] == code, body
    return body


@pytest.fixture
def neighbour(tree: Any) -> Callable[..., Any]:
    """A new verified resident of micro1 (or `grid`), in a household of their own unless `address` says."""

    def make(grid: Any = None, address: str | None = None) -> Any:
        user = UserFactory()
        kwargs = {"address": address} if address is not None else {}
        ResidenceFactory(user=user, grid=grid or tree.micro1, **kwargs)
        return user

    return make


@pytest.fixture
def raise_topic(api: Any, tree: Any) -> Callable[..., dict[str, Any]]:
    def make(user: Any = None, grid: Any = None, kind: str = "quick", title: str = "楼下停车乱") -> dict[str, Any]:
        body = {
            "grid": (grid or tree.micro1).pk,
            "title": title,
            "body": "车辆堵住消防通道，建议划线管理。",
            "kind": kind,
        }
        return ok(api.as_user(user or tree.resident1).post("/api/v1/consultations", body), 201)

    return make


@pytest.fixture
def topic(raise_topic: Any) -> dict[str, Any]:
    """Raised by resident1 at micro1, collecting."""
    return raise_topic()


@pytest.fixture
def in_review(api: Any, topic: dict[str, Any], neighbour: Any) -> dict[str, Any]:
    """Supported by THRESHOLD households, so in review by itself."""
    for _ in range(THRESHOLD):
        ok(api.as_user(neighbour()).post(url("consultations", topic["id"], "support")))
    assert Consultation.objects.get(pk=topic["id"]).status == "review"
    return topic


@pytest.fixture
def meeting(api: Any, tree: Any, topic: dict[str, Any]) -> dict[str, Any]:
    """A meeting of the topic (so it is scheduled), staff's view with the check-in code."""
    from datetime import timedelta

    from django.utils import timezone

    staff = api.as_user(tree.staff1)
    body = {
        "scheduled_at": (timezone.now() + timedelta(days=1)).isoformat(),
        "place": "1号楼架空层",
        "agenda": ["停车"],
    }
    ok(staff.post(url("consultations", topic["id"], "review"), {"decision": "schedule"}))
    return ok(staff.post(url("consultations", topic["id"], "meetings"), body), 201)


@pytest.fixture
def attendees(api: Any, tree: Any, meeting: dict[str, Any], neighbour: Any) -> list[Any]:
    """resident1 and two neighbours signed in (the topic is now deliberating)."""
    people = [tree.resident1, neighbour(), neighbour()]
    for person in people:
        ok(api.as_user(person).post(url("meetings", meeting["id"], "check-in"), {"code": meeting["check_in_code"]}))
    return people

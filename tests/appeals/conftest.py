"""Fixtures for appeals: media in a temporary folder, the fake 12345 platform, and appeals
in each state, made through HTTP by the roles that would make them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.base import serve
from tests.fakes.hotline import FakeHotline

from .factories import make_appeal

HOTLINE_SECRET = "hotline-test-secret"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def hotline(settings: Any) -> Iterator[FakeHotline]:
    """The fake 12345 platform on loopback; HOTLINE_API_BASE and HOTLINE_SECRET point at it."""
    yield from serve(FakeHotline(HOTLINE_SECRET), settings, "HOTLINE")


@pytest.fixture
def appeal(tree: Any) -> Any:
    """Submitted by resident1 (home: micro1), handled by grid1 (worker1's grid)."""
    return make_appeal(submitter=tree.resident1)


@pytest.fixture
def accepted(api: Any, tree: Any, appeal: Any) -> Any:
    assert api.as_user(tree.worker1).post(f"/api/v1/appeals/{appeal.pk}/accept").status_code == 200
    appeal.refresh_from_db()
    return appeal


@pytest.fixture
def resolved(api: Any, tree: Any, accepted: Any) -> Any:
    response = api.as_user(tree.worker1).post(f"/api/v1/appeals/{accepted.pk}/resolve", {"content": "已清理"})
    assert response.status_code == 200
    accepted.refresh_from_db()
    return accepted

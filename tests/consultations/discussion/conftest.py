"""Fixtures of the discussion: a topic at micro1 (street 1) and one at micro2 of street 2,
made directly (the core's HTTP life is tested in tests/consultations), and HTTP helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from consultations.models import Consultation

POSTS = "/api/v1/consultations/{}/posts"


def posts_url(consultation: Any) -> str:
    return POSTS.format(consultation.pk if hasattr(consultation, "pk") else consultation)


def expect(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    if code is not None:
        assert body["error"]["code"] == code, body
    return body


@pytest.fixture(autouse=True)
def _discussion_settings(settings: Any) -> None:
    settings.CONSULTATION_REPORTS_TO_HIDE = 3
    settings.CONSULTATION_DIGEST_WINDOW_MINUTES = 30
    settings.WECHAT_APPID = ""  # the word list only, unless a test starts the WeChat fake


def make_topic(*, grid: Any, author: Any, title: str = "楼道灯不亮", status: str = "collecting") -> Consultation:
    topic = Consultation(grid=grid, author=author, title=title, body="三单元楼道灯坏了一周。", status=status)
    topic.save()
    return topic


@pytest.fixture
def topic(tree: Any) -> Consultation:
    return make_topic(grid=tree.micro1, author=tree.resident1)


@pytest.fixture
def far_topic(tree: Any) -> Consultation:
    return make_topic(grid=tree.micro2, author=tree.resident2, title="另一条街的议题")


@pytest.fixture
def say(api: Any) -> Callable[..., dict[str, Any]]:
    """POST a post as `user` and return its body (expecting 201)."""

    def post(user: Any, topic: Any, body: str = "我同意，应该尽快修。", **extra: Any) -> dict[str, Any]:
        return expect(api.as_user(user).post(posts_url(topic), {"body": body, **extra}), 201)

    return post

"""Fixtures every app's tests share: an API client that logs in as anyone, a small two-street
grid tree with people in it, and the local fake WeChat server."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from grids.models import GridLevel, GridUnit, Role
from tests.fakes.wechat import FakeWeChat
from tests.grids.factories import AssignmentFactory
from tests.residents.factories import ResidenceFactory, UserFactory


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        raise pytest.UsageError(f"the tests run against PostgreSQL (DATABASE_URL); got {engine}")


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    cache.clear()
    yield


class Api(APIClient):
    """APIClient with `as_user(user)` (Bearer JWT) and JSON by default."""

    def as_user(self, user: Any) -> Api:
        client = Api()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    def generic(self, method, path, data="", content_type="application/json", secure=False, **extra):  # type: ignore[override]
        return super().generic(method, path, data, content_type, secure=secure, **extra)

    def post(self, path, data=None, format="json", **extra):  # type: ignore[override]
        return super().post(path, data, format=format, **extra)

    def patch(self, path, data=None, format="json", **extra):  # type: ignore[override]
        return super().patch(path, data, format=format, **extra)


@pytest.fixture
def api() -> Api:
    return Api()


def _unit(parent: GridUnit | None, level: str, code: str, name: str) -> GridUnit:
    return GridUnit.objects.create(parent=parent, level=level, code=code, name=name)


@pytest.fixture
def tree(db: Any) -> SimpleNamespace:
    """District D with streets S1 and S2; each street: community C, grid G, micro-grids M and
    M2, dedicated grid X. People: an admin of D, staff of each street, a grid worker of
    S1's grid, and verified residents of S1's and S2's micro-grid, plus an unverified one."""
    t = SimpleNamespace()
    t.district = _unit(None, GridLevel.DISTRICT, "410102", "中原区")
    for i in (1, 2):
        street = _unit(t.district, GridLevel.STREET, f"410102{i:03d}", f"第{i}街道")
        community = _unit(street, GridLevel.COMMUNITY, f"{street.code}001", f"第{i}社区")
        grid = _unit(community, GridLevel.GRID, f"{community.code}001", f"第{i}网格")
        micro = _unit(grid, GridLevel.MICRO, f"{grid.code}001", f"{i}号楼")
        micro2 = _unit(grid, GridLevel.MICRO, f"{grid.code}002", f"{i}号院")
        dedicated = _unit(community, GridLevel.DEDICATED, f"{community.code}901", f"第{i}小学")
        for name, value in {
            "street": street,
            "community": community,
            "grid": grid,
            "micro": micro,
            "micro2": micro2,
            "dedicated": dedicated,
        }.items():
            setattr(t, f"{name}{i}", value)
        staff = UserFactory(username=f"staff{i}", name=f"街道干部{i}")
        AssignmentFactory(user=staff, unit=street, role=Role.STAFF)
        setattr(t, f"staff{i}", staff)
        resident = UserFactory(username=f"resident{i}", openid=f"o-resident{i}")
        ResidenceFactory(user=resident, grid=micro)
        setattr(t, f"resident{i}", resident)
    t.admin = UserFactory(username="district-admin", name="区管理员")
    AssignmentFactory(user=t.admin, unit=t.district, role=Role.ADMIN)
    t.worker1 = UserFactory(username="worker1", name="网格员一")
    AssignmentFactory(user=t.worker1, unit=t.grid1, role=Role.GRID_WORKER)
    t.newcomer = UserFactory(username="newcomer", openid="o-newcomer")
    return t


@pytest.fixture
def wechat(settings: Any) -> Iterator[FakeWeChat]:
    """The fake WeChat server on loopback, with WECHAT_API_BASE pointing at it."""
    fake = FakeWeChat().start()
    settings.WECHAT_API_BASE = fake.url
    settings.WECHAT_APPID = "wx-test-appid"
    settings.WECHAT_SECRET = "wx-test-secret"
    yield fake
    fake.stop()

"""Fixtures for community resources: a provider serving grid 1, a station with a position,
an approved volunteer of grid 1, all made through the services the API calls."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from resources import services

HERE = {"lat": Decimal("34.750000"), "lng": Decimal("113.600000")}
NEAR = {"lat": 34.7505, "lng": 113.6003}  # about 60 m away
FAR = {"lat": 34.7600, "lng": 113.6000}  # about 1.1 km away


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def provider(tree: Any) -> Any:
    return services.do_register_provider(
        actor=tree.staff1,
        kind="craftsman",
        name="老张修锁",
        grids=[tree.grid1],
        skills=["开锁", "水电"],
        hours="8:00-20:00",
        free_quota_per_month=2,
        contact="13812345678",
    )


@pytest.fixture
def station(tree: Any) -> Any:
    return services.do_create_station(
        actor=tree.staff1, grid=tree.grid1, name="一号五港驿站", location=HERE, facilities=["饮水", "充电"]
    )


@pytest.fixture
def volunteer(tree: Any) -> Any:
    from tests.residents.factories import UserFactory

    rider = UserFactory(username="rider1", name="骑手小李")
    volunteer = services.do_register_volunteer(actor=rider, kind="rider", grid=tree.community1)
    return services.do_approve_volunteer(volunteer=volunteer, actor=tree.staff1)

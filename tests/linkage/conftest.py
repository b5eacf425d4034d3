"""Linkage fixtures: the two fake systems on loopback with the settings pointing at them, and
the mediation teams and case maker of tests/mediation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.linked import FakeConflict, FakePetition
from tests.mediation.conftest import make_case, teams  # noqa: F401  (fixtures reused)

PETITION_SECRET = "petition-test-secret"
CONFLICT_SECRET = "conflict-test-secret"


@pytest.fixture
def petition_system(settings: Any) -> Iterator[FakePetition]:
    fake = FakePetition(PETITION_SECRET).start()
    settings.PETITION_API_BASE = fake.url
    settings.PETITION_SECRET = PETITION_SECRET
    yield fake
    fake.stop()


@pytest.fixture
def conflict_system(settings: Any) -> Iterator[FakeConflict]:
    fake = FakeConflict(CONFLICT_SECRET).start()
    settings.CONFLICT_API_BASE = fake.url
    settings.CONFLICT_SECRET = CONFLICT_SECRET
    yield fake
    fake.stop()

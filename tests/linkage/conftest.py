"""Linkage fixtures: the two fake systems on loopback with the settings pointing at them, and
the mediation teams and case maker of tests/mediation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.base import serve
from tests.fakes.linked import FakeConflict, FakePetition
from tests.mediation.conftest import make_case, teams  # noqa: F401  (fixtures reused)

PETITION_SECRET = "petition-test-secret"
CONFLICT_SECRET = "conflict-test-secret"


@pytest.fixture
def petition_system(settings: Any) -> Iterator[FakePetition]:
    yield from serve(FakePetition(PETITION_SECRET), settings, "PETITION")


@pytest.fixture
def conflict_system(settings: Any) -> Iterator[FakeConflict]:
    yield from serve(FakeConflict(CONFLICT_SECRET), settings, "CONFLICT")

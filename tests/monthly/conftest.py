from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from monthly.selectors import forget_voting_info

from .factories import make_round


@pytest.fixture(autouse=True)
def _fresh_round_cache() -> Iterator[None]:
    forget_voting_info()
    yield
    forget_voting_info()


@pytest.fixture
def voting(tree: SimpleNamespace) -> Any:
    """A street-1 round, after_close, voting now, three candidates."""
    return make_round(scope=tree.street1, staff=tree.staff1, open_voting=True)


@pytest.fixture
def live(tree: SimpleNamespace) -> Any:
    return make_round(scope=tree.street1, staff=tree.staff1, open_voting=True, visibility="live")

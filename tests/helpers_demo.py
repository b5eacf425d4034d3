"""Demo seeds in tests: the smallest demo shape over the `tree` fixture, one unit per level."""

from __future__ import annotations

from typing import Any

from residents.demo import ensure_role_accounts


def one_per_level(tree: Any) -> dict[str, list[Any]]:
    """The tree's first unit of each level, as `demo.seed(shape=...)` takes it, with the role
    accounts the seeds act as already made."""
    shape = {
        "district": [tree.district],
        "street": [tree.street1],
        "community": [tree.community1],
        "grid": [tree.grid1],
        "micro": [tree.micro1],
        "dedicated": [tree.dedicated1],
    }
    ensure_role_accounts(shape)
    return shape

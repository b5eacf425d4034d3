"""Periodic work over many rows, safe from several workers at once: lock a batch (skipping rows
another run holds), handle it in that transaction, and go on until a batch comes back short."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def each_locked_batch(due: QuerySet[M], handle: Callable[[list[M]], None], *, batch: int) -> int:
    """Run `handle` on successive batches of `due` and return how many rows it handled.

    `due` is ordered, `select_for_update(skip_locked=True)`, and filtered so that a handled
    row no longer matches (or the loop never ends): `handle` marks what it did."""
    handled = 0
    while True:
        with transaction.atomic():
            rows = list(due[:batch])
            if rows:
                handle(rows)
        handled += len(rows)
        if len(rows) < batch:
            return handled

"""A write that a UNIQUE constraint allows once (one membership, one rating, one round a
month): the database decides between concurrent requests, and the loser gets a 409.

    with unique_or(Conflict(Msg("您已经评价过了。", "…"), code="already_rated")):
        rating = Rating.objects.create(round=round_, rater=rater, score=score)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction

from .errors import DomainError


@contextmanager
def unique_or(error: DomainError) -> Iterator[None]:
    """Run the block in a savepoint (so that the caller's transaction survives the failed
    INSERT) and raise `error` if it breaks a unique constraint."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise error from exc

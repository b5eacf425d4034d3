"""Showing personal data: masked for everyone but the owner and staff who need it, and every
unmasked view by someone else logged (PIPL)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from backend.crypto import mask_phone

from .models import PersonalDataAccess

log = logging.getLogger("personal_data")


def log_access(*, accessor: Any, subjects: Iterable[str], field: str, purpose: str = "") -> None:
    rows = [PersonalDataAccess(accessor=accessor, subject=s, field=field, purpose=purpose) for s in subjects]
    if rows:
        PersonalDataAccess.objects.bulk_create(rows)
        log.info("%s saw %s of %s (%s)", getattr(accessor, "pk", None), field, [r.subject for r in rows], purpose)


def phone_for(viewer_may_see: bool, phone: str) -> str:
    return phone if viewer_may_see else mask_phone(phone)

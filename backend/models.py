"""Abstract models any app may build on; they add no table and no column."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from backend.crypto import lookup_digest, mask_phone


class Described(models.Model):
    """`str(row)` from the class's `DESCRIBE`, a format string over the row (`"{0.user_id} follows
    {0.consultation_id}"`), for the admin and the shell: one line a model, not a method each."""

    DESCRIBE: ClassVar[str] = "{0._meta.label} {0.pk}"

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.DESCRIBE.format(self)


class HasPhone(models.Model):
    """A phone number kept encrypted in `PHONE_FIELD`, found by its `phone_digest` (both declared
    by the concrete model), set through `set_phone` and shown masked."""

    PHONE_FIELD: ClassVar[str] = "phone"

    class Meta:
        abstract = True

    def set_phone(self, phone: str) -> None:
        setattr(self, self.PHONE_FIELD, phone)
        self.phone_digest = lookup_digest(phone) if phone else ""

    @property
    def phone_masked(self) -> str:
        return mask_phone(getattr(self, self.PHONE_FIELD))

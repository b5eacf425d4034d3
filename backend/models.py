"""Abstract models any app may build on; they add no table and no column."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class Described(models.Model):
    """`str(row)` from the class's `DESCRIBE`, a format string over the row (`"{0.user_id} follows
    {0.consultation_id}"`), for the admin and the shell: one line a model, not a method each."""

    DESCRIBE: ClassVar[str] = "{0._meta.label} {0.pk}"

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.DESCRIBE.format(self)

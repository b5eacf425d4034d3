"""Rows that keep a copy of their grid unit's materialised `path`, so that "everything under this
unit" is a `path LIKE 'x%'` on their own table with no join (grid paths never change)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models


class UnitPathCopy(models.Model):
    """Abstract: fills `path_copy`'s column from its foreign key on the first save. A mixin
    without fields: the concrete models declare both columns, so it needs no migration."""

    # (foreign key to the unit, the column holding the copy of its path)
    path_copy: ClassVar[tuple[str, str]] = ("grid", "grid_path")
    # True: copied again on every save, for rows whose unit may be changed (in the admin).
    path_follows_unit: ClassVar[bool] = False

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        unit, column = self.path_copy
        if self.path_follows_unit or not getattr(self, column):
            setattr(self, column, getattr(self, unit).path)
        super().save(*args, **kwargs)

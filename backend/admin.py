"""Admin bases any app's admin.py builds on: one rule a need, not a copy an app."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class RelationsById:
    """Every relation of the model (foreign key, one-to-one, many-to-many) is edited as a raw
    id: users, units and cases run to thousands of rows, too many for a select. A class that
    names its own `raw_id_fields` keeps them."""

    raw_id_fields: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.raw_id_fields:
            opts = self.model._meta  # type: ignore[attr-defined]
            self.raw_id_fields = [f.name for f in opts.fields if f.is_relation and not f.auto_created] + [
                f.name for f in opts.many_to_many
            ]


class ReadOnly:
    """Rows only the services write (timelines, outboxes, counts): shown, never added or changed
    here; `can_delete = False` keeps them from being deleted too."""

    can_delete = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.can_delete and super().has_delete_permission(request, obj)  # type: ignore[misc]


class ModelAdmin(RelationsById, admin.ModelAdmin):
    pass


class TabularInline(RelationsById, admin.TabularInline):
    pass

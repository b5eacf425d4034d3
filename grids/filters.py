"""The grid list's query filters (`?parent=&level=&q=`) and `UnitFilter`, the `?grid=` of other
apps' lists: a unit of the caller's view of the tree (backend.filtering)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django_filters.constants import EMPTY_VALUES

from backend.filtering import IntegerFilter

from .models import GridLevel, GridUnit
from .selectors import unit_get


class UnitFilter(IntegerFilter):
    """`?grid=<unit id>`, looked up in the caller's view of the tree (unknown or out of reach: 404,
    as on `GET /grids/{id}`), then handed as a GridUnit to the FilterSet's method named `narrow`."""

    def __init__(self, *args: Any, narrow: str, **kwargs: Any) -> None:
        self.narrow = narrow
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value in EMPTY_VALUES:
            return qs
        unit = unit_get(user=self.parent.request.user, unit_id=value)
        return getattr(self.parent, self.narrow)(qs, unit)


class GridUnitFilter(django_filters.FilterSet):
    parent = IntegerFilter(field_name="parent_id")
    level = django_filters.ChoiceFilter(choices=GridLevel.choices)
    q = django_filters.CharFilter(method="matching", max_length=50)

    def matching(self, rows: QuerySet[GridUnit], name: str, text: str) -> QuerySet[GridUnit]:
        """A name containing the words, or a code starting with them."""
        text = text.strip()
        return rows.filter(Q(name__icontains=text) | Q(code__startswith=text)) if text else rows

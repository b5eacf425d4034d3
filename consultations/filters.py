"""The list's query filters (API.md: `?grid=&status=&kind=&q=&following=true`), applied to the
rows the selector already scoped to the caller."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from grids.models import GridUnit

from .models import Consultation, ConsultationKind, ConsultationStatus


class ConsultationFilter(django_filters.FilterSet):
    grid = django_filters.ModelChoiceFilter(queryset=GridUnit.objects.all(), method="in_grid")
    status = django_filters.ChoiceFilter(choices=ConsultationStatus.choices)
    kind = django_filters.ChoiceFilter(choices=ConsultationKind.choices)
    q = django_filters.CharFilter(method="matching", max_length=100)
    following = django_filters.BooleanFilter(method="followed")
    overdue = django_filters.BooleanFilter(field_name="is_overdue")

    def in_grid(self, rows: QuerySet[Consultation], name: str, unit: GridUnit) -> QuerySet[Consultation]:
        """Topics raised in the unit's subtree."""
        return rows.filter(grid_path__startswith=unit.path)

    def matching(self, rows: QuerySet[Consultation], name: str, text: str) -> QuerySet[Consultation]:
        text = text.strip()
        return rows.filter(Q(title__icontains=text) | Q(body__icontains=text)) if text else rows

    def followed(self, rows: QuerySet[Consultation], name: str, value: Any) -> QuerySet[Consultation]:
        # `following` is the caller's EXISTS annotation (selectors.with_caller).
        return rows.filter(following=bool(value))

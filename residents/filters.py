"""The staff residence list's query filters (`?status=&grid=`), applied to the rows the selector
already scoped to the caller (backend.filtering)."""

from __future__ import annotations

import django_filters

from backend.filtering import IntegerFilter

from .models import ResidenceStatus


class ResidenceFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ResidenceStatus.choices)
    grid = IntegerFilter(field_name="grid_id", help_text="the residence's own unit")

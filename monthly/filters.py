"""The round list's query filters (`?scope=&status=&month=`), applied to the rows the selector
already scoped to the caller (backend.filtering)."""

from __future__ import annotations

import django_filters

from backend.filtering import IntegerFilter

from .models import RoundStatus


class RoundFilter(django_filters.FilterSet):
    scope = IntegerFilter(field_name="scope_id")
    status = django_filters.ChoiceFilter(choices=RoundStatus.choices)
    month = django_filters.CharFilter()

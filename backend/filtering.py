"""List filters: django-filter FilterSets (each app's `filters.py`) applied to the rows a selector
already scoped to the caller, and the one way a bad filter value is refused.

    rows = filtered(ResidenceFilter, request, selectors.residences_visible_to(user=request.user))

A value the FilterSet cannot read (`?status=bogus`, `?grid=abc`, `?unread=maybe`) is a 400
`invalid` naming the parameter, in API.md's error body, never a 500 and never silently ignored:
django-filter's own boolean and number filters drop what they cannot parse, so the strict ones
below are what the apps use.

A FilterSet declares every filter it has and no `Meta`: the rows come from a selector, nothing is
generated from the model, so a `Meta.model`/`Meta.fields` would only restate the declarations.

The views keep their explicit `OpenApiParameter` lists: they are API.md's contract and the
schema stays exactly what clients were generated from.
"""

from __future__ import annotations

from typing import Any, TypeVar

import django_filters
from django import forms
from django.db.models import Model, QuerySet
from rest_framework.fields import BooleanField as DrfBooleanField
from rest_framework.request import Request

from .errors import InvalidInput
from .messages import Msg

M = TypeVar("M", bound=Model)

INVALID_FILTER = Msg("查询参数无效。", "A query parameter is invalid.")
# The largest value a PostgreSQL bigint holds: beyond it the database itself would refuse.
BIGINT_MAX = 2**63 - 1


class StrictBooleanField(forms.Field):
    """true/false the way DRF's BooleanField reads them (`1`, `yes`, `on`...); anything else is
    an error rather than "no filter"."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if value in DrfBooleanField.TRUE_VALUES or str(value).lower() in DrfBooleanField.TRUE_VALUES:
            return True
        if value in DrfBooleanField.FALSE_VALUES or str(value).lower() in DrfBooleanField.FALSE_VALUES:
            return False
        raise forms.ValidationError(Msg("须为 true 或 false。", "Must be true or false."), code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IntegerFilter(django_filters.NumberFilter):
    """An id or a count: an integer a bigint column can hold (django-filter's NumberFilter is a
    Decimal and would take `1.5`)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", -BIGINT_MAX)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


def filtered(
    filterset: type[django_filters.FilterSet], request: Request, rows: QuerySet[M]
) -> QuerySet[M]:
    """`rows` narrowed by the request's query parameters; a bad value raises 400 `invalid`.
    Most visits ask for no filter: then no FilterSet is built (its form cost more CPU than a
    list page's query; every filter is declared under its parameter's name, none has a default)."""
    if not any(name in request.query_params for name in filterset.base_filters):
        return rows
    found = filterset(request.query_params, queryset=rows, request=request)
    if not found.is_valid():
        fields = {name: [str(message) for message in messages] for name, messages in found.errors.items()}
        first = next(iter(fields.values()), [""])[0]
        raise InvalidInput(first or INVALID_FILTER, fields=fields)
    return found.qs

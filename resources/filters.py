"""The provider and volunteer lists' query filters, applied to the rows the selectors already
scoped to the caller (backend.filtering). `?grid=` names a unit of the caller's view of the
tree (404)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from grids.filters import UnitFilter
from grids.models import GridUnit

from .models import Provider, ProviderKind, Volunteer


class ProviderFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ProviderKind.choices)
    skill = django_filters.CharFilter(method="with_skill", max_length=30)
    grid = UnitFilter(narrow="serving")
    q = django_filters.CharFilter(method="matching", max_length=50)

    def with_skill(self, rows: QuerySet[Provider], name: str, skill: str) -> QuerySet[Provider]:
        # skills_text is "|skill|skill|": one whole skill, not a part of one.
        return rows.filter(skills_text__contains=f"|{skill.strip()}|")

    def serving(self, rows: QuerySet[Provider], unit: GridUnit) -> QuerySet[Provider]:
        """Providers serving the unit: one of their areas is the unit or above it."""
        return rows.filter(pk__in=Provider.objects.filter(grids__path__in=unit.ancestor_paths).values("pk"))

    def matching(self, rows: QuerySet[Provider], name: str, text: str) -> QuerySet[Provider]:
        return rows.filter(Q(name__icontains=text) | Q(skills_text__icontains=text))


class VolunteerFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Volunteer.Status.choices)
    grid = UnitFilter(narrow="in_subtree")

    def in_subtree(self, rows: QuerySet[Volunteer], unit: GridUnit) -> QuerySet[Volunteer]:
        return rows.filter(grid_path__startswith=unit.path)

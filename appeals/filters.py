"""The appeal queue's query filters (`?status=&category=&grid=&overdue=&mine=`), applied to the
rows the selector already scoped to the caller (backend.filtering)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from backend.errors import NotFound
from backend.filtering import BooleanFilter
from grids.models import GridUnit
from grids.roles import HANDLER_ROLES
from grids.scope import in_reach, reach_paths

from .models import Appeal, AppealStatus, Category


class AppealFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AppealStatus.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    grid = django_filters.ModelChoiceFilter(queryset=GridUnit.objects.all(), method="in_grid")
    # `false` is "no filter", not "not overdue": the queue's toggles only ever narrow.
    overdue = BooleanFilter(method="only_overdue")
    mine = BooleanFilter(method="only_mine")

    def in_grid(self, rows: QuerySet[Appeal], name: str, unit: GridUnit) -> QuerySet[Appeal]:
        """About or handled in the unit's subtree; staff name only units within their reach (404)."""
        user = self.request.user
        if reach_paths(user, HANDLER_ROLES) and not in_reach(user, unit, HANDLER_ROLES):
            raise NotFound()
        return rows.filter(Q(handling_path__startswith=unit.path) | Q(grid_path__startswith=unit.path))

    def only_overdue(self, rows: QuerySet[Appeal], name: str, value: bool) -> QuerySet[Appeal]:
        return rows.filter(is_overdue=True) if value else rows

    def only_mine(self, rows: QuerySet[Appeal], name: str, value: bool) -> QuerySet[Appeal]:
        """Submitted or accepted by the caller."""
        user = self.request.user
        return rows.filter(Q(submitter_id=user.pk) | Q(accepted_by_id=user.pk)) if value else rows

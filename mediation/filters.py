"""The team and case lists' query filters, applied to the rows the selectors already scoped to
the caller (backend.filtering). `?grid=` names a unit of the caller's view of the tree (404)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from backend.filtering import BooleanFilter, IntegerFilter
from grids.filters import UnitFilter
from grids.models import GridUnit

from .models import OPEN_STATUSES, Case, CaseStatus, Category, MediationTeam, Party, TeamKind


class TeamFilter(django_filters.FilterSet):
    grid = UnitFilter(narrow="serving")
    kind = django_filters.ChoiceFilter(choices=TeamKind.choices)

    def serving(self, teams: QuerySet[MediationTeam], unit: GridUnit) -> QuerySet[MediationTeam]:
        """The teams that may take a case there: attached to the unit or an ancestor."""
        return teams.filter(grid__path__in=unit.ancestor_paths)


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    team = IntegerFilter(field_name="team_id")
    grid = UnitFilter(narrow="in_subtree")
    overdue = BooleanFilter(method="by_overdue")
    mine = BooleanFilter(method="only_mine")

    def in_subtree(self, cases: QuerySet[Case], unit: GridUnit) -> QuerySet[Case]:
        return cases.filter(grid_path__startswith=unit.path)

    def by_overdue(self, cases: QuerySet[Case], name: str, overdue: bool) -> QuerySet[Case]:
        """`true`: open and past due; `false`: not flagged overdue."""
        return cases.filter(is_overdue=True, status__in=OPEN_STATUSES) if overdue else cases.filter(is_overdue=False)

    def only_mine(self, cases: QuerySet[Case], name: str, value: bool) -> QuerySet[Case]:
        """Cases I mediate (case_list's `mine` annotation), applied for, or am a party to."""
        if not value:
            return cases
        user = self.request.user
        return cases.filter(
            Q(mine=True) | Q(applicant=user) | Q(pk__in=Party.objects.filter(user=user).values("case_id"))
        )

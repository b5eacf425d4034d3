"""Reads of the grid tree, scoped: staff-side people see the subtrees they hold roles in
(and the ancestors above them, to show where they are); residents see the whole directory,
because they pick their home micro-grid from it (the names hang on every building)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from backend.errors import NotFound

from .models import Assignment, GridUnit
from .roles import STAFF_ROLES, STAFF_SIDE_ROLES
from .scope import path_q, reach_paths


def units_visible_to(*, user: Any) -> QuerySet[GridUnit]:
    paths = reach_paths(user, STAFF_SIDE_ROLES)
    if not paths:
        return GridUnit.objects.all()
    ancestors = {a for p in paths for a in _prefixes(p)}
    return GridUnit.objects.filter(path_q(paths) | Q(path__in=ancestors))


def _prefixes(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts) - 1)]


def unit_get(*, user: Any, unit_id: int) -> GridUnit:
    unit = units_visible_to(user=user).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound()
    return unit


def unit_by_code(code: str) -> GridUnit | None:
    return GridUnit.objects.filter(code=code).first()


def district() -> GridUnit | None:
    return GridUnit.objects.filter(parent__isnull=True).order_by("pk").first()


def assignments_visible_to(*, user: Any, unit: GridUnit) -> QuerySet[Assignment]:
    """Who holds which role at `unit`: staff of a subtree containing it only (404 otherwise)."""
    if not any(unit.path.startswith(p) for p in reach_paths(user, STAFF_ROLES)):
        raise NotFound()
    return Assignment.objects.filter(unit=unit).select_related("user", "unit")


def people_over(*, unit: GridUnit, roles: Iterable[str]) -> QuerySet[Any]:
    """The accounts holding one of `roles` at `unit` or above it: who are told of what
    happens there (applications, tips, deadlines)."""
    return (
        get_user_model()
        .objects.filter(assignments__unit__path__in=unit.ancestor_paths, assignments__role__in=list(roles))
        .distinct()
    )

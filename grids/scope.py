"""Scope helpers: "which units may this user act on" as path prefixes, for every selector.

A user's reach for a set of roles is the list of the paths of the units where they hold one
of those roles; an object is in reach when its unit's path starts with one of them. A
superuser is admin of every unit: their reach is the root prefix "/".
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet

from backend.errors import NotFound, PermissionDenied

from .models import Assignment, GridUnit
from .roles import ADMIN_ROLES, HANDLER_ROLES, STAFF_ROLES

ROOT = "/"


def reach_paths(user: Any, roles: Iterable[str] = STAFF_ROLES) -> list[str]:
    """Paths of the subtrees where `user` holds one of `roles`, minimal (no nested repeats).

    Cached on the user object for the request, keyed by the role set.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:
        return [ROOT]
    key = frozenset(roles)
    cache: dict[frozenset[str], list[str]] = user.__dict__.setdefault("_reach_cache", {})
    if key not in cache:
        paths = sorted(
            Assignment.objects.filter(user=user, role__in=key).values_list("unit__path", flat=True).distinct()
        )
        minimal: list[str] = []
        for path in paths:  # sorted: an ancestor comes before its descendants
            if not any(path.startswith(kept) for kept in minimal):
                minimal.append(path)
        cache[key] = minimal
    return cache[key]


def forget_reach(user: Any) -> None:
    user.__dict__.pop("_reach_cache", None)


def path_q(paths: Iterable[str], field: str = "path") -> Q:
    """A Q matching rows whose `field` lies under any of `paths`; matches nothing for none.

    The root gives a real predicate (every path starts with "/"), not the empty Q(), so that
    OR-ing it with another condition still means "everything".
    """
    paths = [ROOT] if ROOT in paths else list(paths)
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths))


def in_reach(user: Any, unit: GridUnit, roles: Iterable[str] = STAFF_ROLES) -> bool:
    return any(unit.path.startswith(p) for p in reach_paths(user, roles))


def is_staff_side(user: Any) -> bool:
    """Works for the district somewhere: admin, staff, grid leader or grid worker (or a superuser).
    HANDLER_ROLES contains STAFF_ROLES, so one reach answers it."""
    return bool(reach_paths(user, HANDLER_ROLES))


def is_admin_somewhere(user: Any) -> bool:
    """May create units or accounts under some unit (a view's precondition; the unit itself is
    checked by the service)."""
    return bool(reach_paths(user, ADMIN_ROLES))


def units_in_reach(user: Any, roles: Iterable[str] = STAFF_ROLES) -> QuerySet[GridUnit]:
    return GridUnit.objects.filter(path_q(reach_paths(user, roles)))


def ensure_in_reach(user: Any, unit: GridUnit, roles: Iterable[str] = STAFF_ROLES, *, hide: bool = False) -> None:
    """Refuse when `unit` is outside the user's reach for `roles`.

    `hide=True` answers 404 (the caller may not even know the unit exists); otherwise 403.
    """
    if not in_reach(user, unit, roles):
        raise NotFound() if hide else PermissionDenied()


def ensure_admin_of(user: Any, unit: GridUnit) -> None:
    ensure_in_reach(user, unit, ADMIN_ROLES)


def is_within(unit: GridUnit, ancestor: GridUnit) -> bool:
    return unit.path.startswith(ancestor.path)


def ancestor_units(unit: GridUnit) -> QuerySet[GridUnit]:
    return GridUnit.objects.filter(path__in=unit.ancestor_paths)

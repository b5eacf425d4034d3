"""The dashboard's resident figures (API.md "Dashboard") for a subtree and for each child unit,
in one grouped query. A snapshot at the time of the request (homes are not dated):
- total: residents with a verified home in the subtree, plus those whose only claim there is
  pending (a resident with a verified home is counted there, not at a pending new one);
- verified: residents with a verified home in the subtree;
- active_30d: of `total`, those who logged in in the mini-program within the 30 days up to
  the period's end.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q

from backend.periods import Period
from grids.figures import child_key, fold, shape_children
from grids.models import GridUnit
from grids.roles import STAFF_ROLES
from grids.scope import ensure_in_reach

from .models import Residence, ResidenceStatus, User

COUNTS = ("total", "verified", "active_30d")
ACTIVE_WINDOW = timedelta(days=30)


def figures(*, user: Any, unit: GridUnit, period: Period) -> dict[str, Any]:
    """{"total": figures, "children": {child code: figures}}; staff of the subtree only (404)."""
    ensure_in_reach(user, unit, STAFF_ROLES, hide=True)
    verified_elsewhere = Residence.objects.filter(user_id=OuterRef("user_id"), status=ResidenceStatus.VERIFIED)
    counted = Q(status=ResidenceStatus.VERIFIED) | (Q(status=ResidenceStatus.PENDING) & ~Q(Exists(verified_elsewhere)))
    # Whether the resident logged in, not a join of every residence to its user: the planner
    # hashes the users active in the window for a large area (a fifth of the join's time for the
    # district's 100,000 residents) and looks each up by key for a small one.
    active = Q(
        Exists(User.objects.filter(pk=OuterRef("user_id"), last_login__gte=period.until - ACTIVE_WINDOW,
                                   last_login__lt=period.until))
    )  # fmt: skip
    rows = (
        Residence.objects.filter(
            grid_path__startswith=unit.path, status__in=[ResidenceStatus.VERIFIED, ResidenceStatus.PENDING]
        )
        .filter(counted)
        .values(child=child_key("grid_path", unit))
        .annotate(
            total=Count("pk"),
            verified=Count("pk", filter=Q(status=ResidenceStatus.VERIFIED)),
            active_30d=Count("pk", filter=active),
        )
        .order_by()
    )
    return shape_children(fold(rows, COUNTS), unit, dict, COUNTS)

"""The dashboard's notification figures (API.md "Dashboard") for a subtree and a period, and for
each child unit, in one grouped query. A delivery (one message to one group chat or one
resident's subscribe message) belongs to the unit it was addressed in (`grid_path`):
- sent: deliveries that went out in the period;
- dead: deliveries created in the period that were given up on after their retries.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from backend.periods import Period
from grids.figures import child_key, fold, shape_children
from grids.models import GridUnit
from grids.roles import STAFF_ROLES
from grids.scope import ensure_in_reach

from .models import Delivery, DeliveryStatus

COUNTS = ("sent", "dead")


def figures(*, user: Any, unit: GridUnit, period: Period) -> dict[str, Any]:
    """{"total": figures, "children": {child code: figures}}; staff of the subtree only (404)."""
    ensure_in_reach(user, unit, STAFF_ROLES, hide=True)
    sent = Q(status=DeliveryStatus.SENT, sent_at__gte=period.since, sent_at__lt=period.until)
    dead = Q(status=DeliveryStatus.DEAD, created_at__gte=period.since, created_at__lt=period.until)
    rows = (
        Delivery.objects.filter(grid_path__startswith=unit.path)
        .filter(sent | dead)
        .values(child=child_key("grid_path", unit))
        .annotate(sent=Count("pk", filter=sent), dead=Count("pk", filter=dead))
        .order_by()
    )
    return shape_children(fold(rows, COUNTS), unit, dict, COUNTS)

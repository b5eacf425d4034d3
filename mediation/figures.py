"""The dashboard's mediation figures (API.md "Dashboard") for a subtree and a period, and for
each child unit, in one grouped query (the all-time open/overdue/agreed figures per team stay in
`selectors.figures`, behind `GET /mediation/figures`).

A case belongs to the subtree of its unit (`grid_path`).
- applied: cases registered in the period;
- concluded: cases whose outcome (agreed or failed) came in the period; `agreed_rate` = agreed ÷
  concluded (the same rate as `selectors.figures`, over the period);
- `fulfilled_rate`: of the cases agreed in the period, those whose follow-up visit found the
  agreement kept ÷ agreed;
- referred: cases failed in the period and referred on (court, arbitration, police, petition);
- `overdue_open`: open and overdue now (a snapshot, whatever the period).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q

from backend.opendata import OpenTable
from backend.periods import Period, rate
from grids.figures import child_key, fold, per_day_and_grid, shape_children
from grids.models import GridUnit
from grids.roles import STAFF_ROLES
from grids.scope import ensure_in_reach

from .models import OPEN_STATUSES, Case, CaseStatus, Category, FollowUp, Outcome, Referral, Source

COUNTS = ("applied", "concluded", "agreed", "fulfilled", "referred", "overdue_open")


def _shape(row: dict[str, int]) -> dict[str, Any]:
    return {
        "applied": row["applied"],
        "agreed_rate": rate(row["agreed"], row["concluded"]),
        "fulfilled_rate": rate(row["fulfilled"], row["agreed"]),
        "referred": row["referred"],
        "overdue_open": row["overdue_open"],
    }


def figures(*, user: Any, unit: GridUnit, period: Period) -> dict[str, Any]:
    """{"total": figures, "children": {child code: figures}}; staff of the subtree only (404)."""
    ensure_in_reach(user, unit, STAFF_ROLES, hide=True)
    applied = Q(created_at__gte=period.since, created_at__lt=period.until)
    concluded = Q(outcome_at__gte=period.since, outcome_at__lt=period.until, outcome__in=Outcome.values)
    agreed = concluded & Q(outcome=Outcome.AGREED)
    kept = FollowUp.objects.filter(case=OuterRef("pk"), fulfilled=True)
    referred = concluded & Q(outcome=Outcome.FAILED) & ~Q(referral__in=["", Referral.NONE])
    overdue = Q(status__in=OPEN_STATUSES, is_overdue=True)
    rows = (
        Case.objects.filter(grid_path__startswith=unit.path)
        .filter(applied | concluded | overdue)
        .values(child=child_key("grid_path", unit))
        .annotate(
            applied=Count("pk", filter=applied),
            concluded=Count("pk", filter=concluded),
            agreed=Count("pk", filter=agreed),
            fulfilled=Count("pk", filter=agreed & Q(Exists(kept))),
            referred=Count("pk", filter=referred),
            overdue_open=Count("pk", filter=overdue),
        )
        .order_by()
    )
    return shape_children(fold(rows, COUNTS), unit, _shape, COUNTS)


def open_table(*, user: Any, unit: GridUnit, period: Period) -> OpenTable:
    """Cases registered in the period, counted per day, grid, category and source."""
    ensure_in_reach(user, unit, STAFF_ROLES, hide=True)
    kept = FollowUp.objects.filter(case=OuterRef("pk"), fulfilled=True)
    rows = per_day_and_grid(Case.objects.all(), unit, period, "category", "source").annotate(
        applied=Count("pk"),
        declined=Count("pk", filter=Q(status=CaseStatus.DECLINED)),
        agreed=Count("pk", filter=Q(outcome=Outcome.AGREED)),
        failed=Count("pk", filter=Q(outcome=Outcome.FAILED)),
        referred=Count("pk", filter=Q(outcome=Outcome.FAILED) & ~Q(referral__in=["", Referral.NONE])),
        fulfilled=Count("pk", filter=Q(outcome=Outcome.AGREED) & Q(Exists(kept))),
    )
    return OpenTable(
        name="mediation_cases",
        title="矛盾纠纷调解 (mediation cases)",
        description="Mediation cases registered in the period, counted per day of registration, grid, category and "
        "source. Parties, places and what was agreed are not published.",
        columns=[
            ("date", "day of registration (Asia/Shanghai), YYYY-MM-DD"),
            ("grid_code", "code of the level-3 grid (or the unit above it) the dispute is in"),
            ("category", f"one of {', '.join(Category.values)}"),
            ("source", f"one of {', '.join(Source.values)}"),
            ("applied", "cases registered"),
            ("declined", "of them, not taken on"),
            ("agreed", "of them, ended in an agreement by now"),
            ("failed", "of them, mediation failed by now"),
            ("referred", "of the failed, referred on (court, arbitration, police, petition)"),
            ("fulfilled", "of the agreed, found kept at the follow-up visit"),
        ],
        rows=rows,
        counts=frozenset({"applied", "declined", "agreed", "failed", "referred", "fulfilled"}),
    )

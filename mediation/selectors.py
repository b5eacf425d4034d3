"""Reads of teams and cases, always scoped to the caller.

A case is seen by its parties who are users (and its applicant), the members of its team, the
mediators assigned to it, whoever registered it, and staff (STAFF_ROLES) of a subtree holding
its grid. Anyone else gets a 404.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as CaseExpr

from backend.errors import NotFound
from grids.models import GridUnit
from grids.roles import STAFF_ROLES
from grids.scope import ROOT, ensure_in_reach, path_q, reach_paths

from .models import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    Case,
    CaseEvent,
    MediationTeam,
    Outcome,
    Party,
    Session,
    TeamMember,
)
from .permissions import ensure_can_see_members, is_staff_over

# --- teams -------------------------------------------------------------------------------


def teams_visible_to(*, user: Any) -> QuerySet[MediationTeam]:
    """Active teams are a public directory (residents apply to a named studio); inactive ones
    are seen by their members and by staff of their area."""
    visible = Q(active=True) | Q(pk__in=TeamMember.objects.filter(user=user).values("team_id"))
    paths = reach_paths(user, STAFF_ROLES)
    if ROOT in paths:
        return MediationTeam.objects.all()
    if paths:
        visible |= path_q(paths, "grid__path")
    return MediationTeam.objects.filter(visible)


def team_list(*, user: Any) -> QuerySet[MediationTeam]:
    """With their member counts (filtered by mediation/filters.py)."""
    return teams_visible_to(user=user).select_related("grid").annotate(member_count=Count("members"))


def team_get(*, user: Any, team_id: int) -> MediationTeam:
    team = teams_visible_to(user=user).select_related("grid").filter(pk=team_id).first()
    if team is None:
        raise NotFound()
    return team


def team_members(*, user: Any, team: MediationTeam) -> QuerySet[TeamMember]:
    """The members list: the team's own members and staff of its area (403 for others: the
    team itself is public)."""
    ensure_can_see_members(user, team)
    return TeamMember.objects.filter(team=team).select_related("user")


def nearest_higher_team(team: MediationTeam) -> MediationTeam | None:
    """The active team attached to the nearest strict ancestor of `team`'s unit."""
    ancestors = [p for p in team.grid.ancestor_paths if p != team.grid.path]
    return (
        MediationTeam.objects.filter(active=True, grid__path__in=ancestors)
        .select_related("grid")
        .order_by("-grid__depth", "pk")
        .first()
    )


# --- cases -------------------------------------------------------------------------------


def cases_visible_to(*, user: Any) -> QuerySet[Case]:
    paths = reach_paths(user, STAFF_ROLES)
    if ROOT in paths:
        return Case.objects.all()
    visible = (
        Q(applicant=user)
        | Q(registered_by=user)
        | Q(pk__in=Party.objects.filter(user=user).values("case_id"))
        | Q(team_id__in=TeamMember.objects.filter(user=user).values("team_id"))
        | Q(pk__in=Case.mediators.through.objects.filter(user_id=user.pk).values("case_id"))
    )
    if paths:
        visible |= path_q(paths, "grid_path")
    return Case.objects.filter(visible)


# The list order, as one integer so cursor pagination has a unique, stable key:
#   rank (0 my open cases, 1 other open cases, 2 finished) | due_epoch (seconds) | id.
# due_epoch < 10**10 and ids < 10**8 keep the sum under 2**63.
_ID_SPAN = 10**8
_RANK_STEP = 3 * 10**18


def case_list(*, user: Any) -> QuerySet[Case]:
    """The caller's cases, the ones they mediate first, then by what is due next (the next
    session or the deadline); order by `sort_key`. `mine` is annotated for mediation/filters.py."""
    # An uncorrelated IN (one hashed subplan), not EXISTS per row: the whole visible set is ranked.
    assigned = Q(pk__in=Case.mediators.through.objects.filter(user_id=user.pk).values("case_id"))
    rank = CaseExpr(
        When(status__in=TERMINAL_STATUSES, then=Value(2)),
        When(assigned, then=Value(0)),
        default=Value(1),
    )
    return (
        cases_visible_to(user=user)
        .select_related("grid", "team")
        .annotate(
            mine=ExpressionWrapper(assigned, output_field=BooleanField()),
            sort_key=ExpressionWrapper(
                rank * Value(_RANK_STEP) + F("due_epoch") * Value(_ID_SPAN) + F("id"),
                output_field=BigIntegerField(),
            ),
        )
    )


def case_get(*, user: Any, case_id: int) -> Case:
    case = cases_visible_to(user=user).select_related("grid", "team__grid").filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return case


def case_for_display(*, user: Any, case_id: int, acted: bool = False) -> Case:
    """One case with everything its page shows. Phones are unmasked (`show_phones`) only for
    staff of its subtree, and each such view of someone else's phone is logged (PIPL).

    `acted`: the caller has just acted on the case through a service that checked them (an
    escalation may have taken it out of their view); read it unscoped to answer them."""
    case = (
        (Case.objects.all() if acted else cases_visible_to(user=user))
        .select_related("grid", "team__grid", "applicant", "registered_by", "agreement")
        .prefetch_related(
            Prefetch("parties", queryset=Party.objects.order_by("pk")),
            Prefetch("sessions", queryset=Session.objects.order_by("scheduled_at", "pk")),
            "mediators",
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("at", "pk")),
            "follow_ups",
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound()
    case.show_phones = is_staff_over(user, case.grid)
    case.mine = any(m.pk == user.pk for m in case.mediators.all())
    return case


def phones_seen(*, user: Any, case: Case) -> list[str]:
    """The parties whose phones `user` sees unmasked on `case` (not their own): the view logs it."""
    if not case.show_phones:
        return []
    return [f"mediation.Party:{p.pk}" for p in case.parties.all() if p.phone and p.user_id != user.pk]


# --- figures -----------------------------------------------------------------------------


def _rate(agreed: int, failed: int) -> float | None:
    return round(agreed / (agreed + failed), 4) if agreed + failed else None


def _tally(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    out = {"open": 0, "overdue": 0, "agreed": 0, "failed": 0}
    for row in rows:
        n = row["n"]
        if row["status"] in OPEN_STATUSES:
            out["open"] += n
            if row["is_overdue"]:
                out["overdue"] += n
        if row["outcome"] == Outcome.AGREED:
            out["agreed"] += n
        elif row["outcome"] == Outcome.FAILED:
            out["failed"] += n
    out["agreed_rate"] = _rate(out["agreed"], out["failed"])
    return out


def figures(*, user: Any, unit: GridUnit) -> dict[str, Any]:
    """The dashboard's mediation figures for the subtree at `unit` (staff of it only; 404
    otherwise): open (awaiting an outcome), overdue (open past the deadline), agreed_rate =
    agreed / (agreed + failed) among cases with an outcome (null when none), and the same per
    team and per child unit. Three grouped queries whatever the size of the subtree."""
    ensure_in_reach(user, unit, STAFF_ROLES, hide=True)
    cases = Case.objects.filter(grid_path__startswith=unit.path)
    keys = ("status", "is_overdue", "outcome")

    by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in cases.values("grid_path", *keys).annotate(n=Count("pk")).order_by():
        child = row["grid_path"][len(unit.path) :].split("/", 1)[0]
        by_path[child].append(row)
    by_team: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for row in cases.values("team_id", *keys).annotate(n=Count("pk")).order_by():
        by_team[row["team_id"]].append(row)

    total = _tally(row for rows in by_path.values() for row in rows)
    children = GridUnit.objects.filter(parent=unit).order_by("path")
    teams = MediationTeam.objects.filter(pk__in=[t for t in by_team if t is not None]).order_by("pk")
    return {
        **total,
        "per_team": [{"team": t.pk, "name": t.name, "kind": t.kind, **_tally(by_team[t.pk])} for t in teams],
        "per_unit": [{"grid": c.pk, "name": c.name, **_tally(by_path.get(c.code, []))} for c in children],
    }

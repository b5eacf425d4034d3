"""The dashboard's 每月一事 figures (API.md "Dashboard") for a subtree and a period, and for each
child unit, in three queries whatever the number of children.

- current_round: the latest round that had opened for voting by the period's end and whose
  scope is the area or one above it (the round the area's residents vote in), else null;
- turnout_rate = ballots ÷ eligible for that round: the frozen turnout ÷ eligible when the round
  is the area's own and counted; otherwise ballots cast by residents with a verified home in the
  area ÷ residents with a verified home there now; null when nobody is eligible;
- winner_progress: the latest progress percent reported on the winner (counted rounds), else null.
Ballots stay secret: only how many people of an area voted is read, never for whom.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery

from backend.opendata import OpenTable
from backend.periods import Period, rate
from grids.figures import child_key, children_of
from grids.models import GridUnit
from grids.roles import STAFF_ROLES
from grids.scope import ensure_in_reach
from residents.selectors import verified_residents_under

from .models import Ballot, ProgressReport, Round, RoundResult


def _latest(rounds: list[Round], paths: set[str]) -> Round | None:
    # `rounds` comes newest first.
    return next((r for r in rounds if r.scope_path in paths), None)


def figures(*, user: Any, unit: GridUnit, period: Period) -> dict[str, Any]:
    """{"total": figures, "children": {child code: figures}}; staff of the subtree only (404)."""
    ensure_in_reach(user, unit, STAFF_ROLES, hide=True)
    children = children_of(unit)
    above = set(unit.ancestor_paths)
    rounds = list(
        Round.objects.filter(Q(scope_path__in=above) | Q(scope_path__in=[c.path for c in children]))
        .filter(voting_starts__lt=period.until)
        .order_by("-voting_starts", "-pk")
    )
    area_round = _latest(rounds, above)
    child_round = {c.code: _latest(rounds, above | {c.path}) for c in children}
    wanted = {r.pk for r in [area_round, *child_round.values()] if r is not None}
    if not wanted:
        nothing = {"current_round": None, "turnout_rate": None, "winner_progress": None}
        return {"total": nothing, "children": {c.code: dict(nothing) for c in children}}

    # One scan of the area's verified residences: how many per child and, of them, how many voted
    # in each round wanted (one ballot per voter and round, one verified home per resident),
    # instead of joining every ballot to its voter's home: the planner hashes a round's voters
    # for a large area and looks each resident up by key for a small one.
    voted_in = {
        f"voted_{pk}": Count("pk", filter=Q(Exists(Ballot.objects.filter(round_id=pk, voter_id=OuterRef("user_id")))))
        for pk in sorted(wanted)
    }
    ballots: dict[tuple[int, str], int] = {}
    eligible: dict[str, int] = {}
    for row in (
        verified_residents_under(path=unit.path)
        .values(child=child_key("grid_path", unit))
        .annotate(n=Count("pk"), **voted_in)
        .order_by()
    ):
        eligible[row["child"]] = row["n"]
        for pk in wanted:
            ballots[(pk, row["child"])] = row[f"voted_{pk}"]
    progress: dict[int, int] = {}
    for report in ProgressReport.objects.filter(round_id__in=wanted).order_by("created_at", "pk"):
        progress[report.round_id] = report.percent  # the latest wins

    def shape(round_: Round | None, area: str, voted: int, voters: int) -> dict[str, Any]:
        if round_ is None:
            return {"current_round": None, "turnout_rate": None, "winner_progress": None}
        if round_.scope_path == area and round_.is_counted and round_.eligible is not None:
            voted, voters = round_.turnout or 0, round_.eligible
        return {
            "current_round": {"id": round_.pk, "month": round_.month, "title": round_.title, "status": round_.status},
            "turnout_rate": rate(voted, voters),
            "winner_progress": progress.get(round_.pk) if round_.is_counted else None,
        }

    voted_in_area = sum(n for (r, _), n in ballots.items() if area_round and r == area_round.pk)
    out_children = {}
    for c in children:
        r = child_round[c.code]
        voted = ballots.get((r.pk, c.code), 0) if r else 0
        out_children[c.code] = shape(r, c.path, voted, eligible.get(c.code, 0))
    return {"total": shape(area_round, unit.path, voted_in_area, sum(eligible.values())), "children": out_children}


def open_table(*, user: Any, unit: GridUnit, period: Period) -> OpenTable:
    """The rounds whose voting opened in the period, of the area and the units above and below
    it: one row each, their counts and no titles (staff's free text)."""
    ensure_in_reach(user, unit, STAFF_ROLES, hide=True)
    rows = (
        Round.objects.filter(Q(scope_path__in=unit.ancestor_paths) | Q(scope_path__startswith=unit.path))
        .filter(voting_starts__gte=period.since, voting_starts__lt=period.until)
        .annotate(
            candidate_count=Count("candidates", distinct=True),
            winner_votes=Subquery(
                RoundResult.objects.filter(round=OuterRef("pk"), candidate=OuterRef("winner")).values("votes")[:1]
            ),
            winner_progress=Subquery(
                ProgressReport.objects.filter(round=OuterRef("pk")).order_by("-created_at", "-pk").values("percent")[:1]
            ),
        )
        .values(
            "id",
            "month",
            "status",
            "eligible",
            "turnout",
            "candidate_count",
            "winner_votes",
            "winner_progress",
            scope_code=F("scope__code"),
            scope_level=F("scope__level"),
        )
        .order_by("month", "scope_code")
    )
    return OpenTable(
        name="rounds",
        title="每月一事 (the monthly vote)",
        description="Rounds whose voting opened in the period, of the area, the units above it and the units in it. "
        "Ballots are secret: only counts are published.",
        columns=[
            ("id", "the round's number in the platform"),
            ("month", "YYYY-MM"),
            ("scope_code", "code of the unit whose residents vote"),
            ("scope_level", "district or street"),
            ("status", "nominating, voting, counted, implementing or completed"),
            ("eligible", "residents eligible to vote, frozen at the count (blank before)"),
            ("turnout", "residents who voted, frozen at the count (blank before)"),
            ("candidate_count", "problems on the ballot"),
            ("winner_votes", "votes of the winning problem"),
            ("winner_progress", "latest progress reported on the winner, percent"),
        ],
        rows=rows,
        counts=frozenset({"eligible", "turnout", "winner_votes"}),
    )

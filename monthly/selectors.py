"""Reads of 每月一事, scoped to the caller.

Rounds themselves are public notices of the district (like the grid directory residents pick
their home from): any signed-in user may read a round, so that a resident of another street
learns they are not eligible (403 `not_eligible`) rather than meeting a 404. What is scoped is
what a round reveals: counts only once they are public to this caller (`results_visible`),
a ballot only to its voter.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, QuerySet, Sum

from backend.errors import NotFound, PermissionDenied
from backend.messages import Msg
from grids.scope import in_reach
from residents.selectors import is_verified_resident_under, verified_residents_under

from .models import Ballot, Candidate, Round, RoundResult, RoundStatus, TallyShard


def rounds_visible_to(*, user: Any) -> QuerySet[Round]:
    return Round.objects.select_related("scope", "winner")


def round_get(*, user: Any, round_id: int) -> Round:
    found = rounds_visible_to(user=user).filter(pk=round_id).first()
    if found is None:
        raise NotFound()
    return found


# --- who may do what ---------------------------------------------------------------------


def is_scope_staff(user: Any, round_: Round) -> bool:
    return in_reach(user, round_.scope)


def is_eligible(user: Any, round_: Round) -> bool:
    """A verified residence inside the round's scope (one lookup on the user's verified row)."""
    return bool(getattr(user, "is_authenticated", False)) and is_verified_resident_under(
        user=user, path=round_.scope_path
    )


def results_visible(user: Any, round_: Round) -> bool:
    """Counted rounds: to everyone. Live rounds while voting: to the eligible and the scope's
    staff. Otherwise (after_close before the close, or nothing cast yet): to no one."""
    if round_.is_counted:
        return True
    if round_.results_visibility == Round.Visibility.LIVE and round_.status == RoundStatus.VOTING:
        return is_scope_staff(user, round_) or is_eligible(user, round_)
    return False


def may_see_tally(user: Any, round_id: int) -> bool:
    """The WebSocket authorizer of topic `monthly.round.<id>`."""
    if not getattr(user, "is_authenticated", False):
        return False
    found = Round.objects.select_related("scope").filter(pk=round_id).first()
    return found is not None and results_visible(user, found)


def ensure_results_visible(user: Any, round_: Round) -> None:
    if not results_visible(user, round_):
        raise PermissionDenied(
            Msg("投票结束前不公布结果。", "Results are published when voting closes."), code="results_hidden"
        )


# --- counts ------------------------------------------------------------------------------


def eligible_count(round_: Round) -> int:
    """Verified residents of the scope; cached a minute while voting (a district is ~10^6)."""
    if round_.eligible is not None:
        return round_.eligible
    key = f"monthly:eligible:{round_.pk}"
    found = cache.get(key)
    if found is None:
        found = verified_residents_under(path=round_.scope_path).count()
        cache.set(key, found, 60)
    return found


@dataclass(frozen=True)
class Tally:
    turnout: int
    votes: dict[int, int]  # candidate id -> votes


def live_tally(round_: Round) -> Tally:
    """Sum of the counter rows: (candidates + 1) x shards rows, never the ballots."""
    votes: dict[int, int] = {}
    turnout = 0
    rows = TallyShard.objects.filter(round=round_).values("candidate_id").annotate(n=Sum("votes"))
    for row in rows:
        if row["candidate_id"] is None:
            turnout = row["n"]
        else:
            votes[row["candidate_id"]] = row["n"]
    return Tally(turnout=turnout, votes=votes)


def round_tally(round_: Round) -> Tally:
    """The frozen result once counted, else the live counters."""
    if round_.is_counted:
        frozen = {r.candidate_id: r.votes for r in RoundResult.objects.filter(round=round_)}
        return Tally(turnout=round_.turnout or 0, votes=frozen)
    return live_tally(round_)


def round_results(*, user: Any, round_: Round) -> dict[str, Any]:
    """API.md results: `{"turnout","eligible","candidates": [{"id","title","votes"}],"winner"}`,
    most votes first (ties by candidate order)."""
    ensure_results_visible(user, round_)
    tally = round_tally(round_)
    candidates = [
        {"id": c.pk, "title": c.title, "votes": tally.votes.get(c.pk, 0)} for c in round_.candidates.order_by("pk")
    ]
    candidates.sort(key=lambda c: -c["votes"])  # stable: equal counts keep the neutral order
    eligible = eligible_count(round_)
    return {
        "round": round_.pk,
        "status": round_.status,
        "final": round_.is_counted,
        "turnout": tally.turnout,
        "eligible": eligible,
        "turnout_rate": round(tally.turnout / eligible, 4) if eligible else 0.0,
        "candidates": candidates,
        "winner": round_.winner_id if round_.is_counted else None,
        "counted_at": round_.counted_at,
    }


def tally_payload(round_: Round) -> dict[str, Any]:
    """What a live WebSocket update carries."""
    tally = live_tally(round_)
    return {
        "round": round_.pk,
        "turnout": tally.turnout,
        "candidates": [{"id": cid, "votes": n} for cid, n in sorted(tally.votes.items())],
        "at": time.time(),
    }


def rating_summary(round_: Round) -> dict[str, Any]:
    agg = round_.ratings.aggregate(average=Avg("score"), count=Count("pk"))
    return {"average": round(agg["average"], 2) if agg["average"] is not None else None, "count": agg["count"]}


# --- the voter's own ballot ---------------------------------------------------------------


def my_ballot(*, user: Any, round_: Round) -> dict[str, Any]:
    """The caller's own choices, unsealed for them alone."""
    ballot = Ballot.objects.filter(round=round_, voter_id=user.pk).first()
    if ballot is None:
        raise NotFound(Msg("您尚未在本轮投票。", "You have not voted in this round."), code="no_ballot")
    ids = json.loads(ballot.sealed_choices or "[]")
    titles = dict(Candidate.objects.filter(round=round_, pk__in=ids).values_list("pk", "title"))
    return {
        "round": round_.pk,
        "choices": [{"id": cid, "title": titles.get(cid, "")} for cid in ids],
        "receipt": ballot.receipt,
        "cast_at": ballot.cast_at,
    }


def receipt_check(*, round_id: int, receipt: str) -> dict[str, Any]:
    """Anyone holding a receipt may see that it is counted: never whose it is or its choices."""
    ballot = Ballot.objects.filter(round_id=round_id, receipt=receipt.lower()).select_related("round").first()
    if ballot is None:
        raise NotFound(Msg("没有这张回执。", "No ballot has this receipt."), code="receipt_not_found")
    # The ballot row and its counter increments commit together: an existing ballot is counted.
    return {
        "round": ballot.round_id,
        "receipt": ballot.receipt,
        "counted": True,
        "final": ballot.round.is_counted,
        "cast_at": ballot.cast_at,
    }


def has_voted(user: Any, round_: Round) -> str | None:
    """The caller's receipt in this round, or None."""
    return Ballot.objects.filter(round=round_, voter_id=user.pk).values_list("receipt", flat=True).first()


# --- the ballot hot path: what a web process keeps about a voting round ---------------------


@dataclass(frozen=True)
class VotingInfo:
    round_id: int
    status: str
    scope_path: str
    max_choices: int
    candidate_ids: frozenset[int]
    shards: int
    live: bool


_VOTING_INFO: dict[int, tuple[float, VotingInfo]] = {}


def voting_info(round_id: int) -> VotingInfo:
    """The facts a ballot is validated against. Kept in process for a few seconds while the
    round is voting: candidates cannot change then, and the status and window are checked again
    by the ballot's own INSERT, so a stale entry can never let a late ballot in."""
    hit = _VOTING_INFO.get(round_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    row = (
        Round.objects.filter(pk=round_id)
        .values("status", "scope_path", "max_choices", "tally_shards", "results_visibility")
        .first()
    )
    if row is None:
        raise NotFound()
    info = VotingInfo(
        round_id=round_id,
        status=row["status"],
        scope_path=row["scope_path"],
        max_choices=row["max_choices"],
        candidate_ids=frozenset(Candidate.objects.filter(round_id=round_id).values_list("pk", flat=True)),
        shards=row["tally_shards"],
        live=row["results_visibility"] == Round.Visibility.LIVE,
    )
    if info.status == RoundStatus.VOTING:
        _VOTING_INFO[round_id] = (time.monotonic() + settings.MONTHLY_ROUND_CACHE_SECONDS, info)
    return info


def forget_voting_info(round_id: int | None = None) -> None:
    if round_id is None:
        _VOTING_INFO.clear()
    else:
        _VOTING_INFO.pop(round_id, None)

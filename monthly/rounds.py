"""The life of a round: staff create and edit it, residents nominate, staff add candidates,
voting opens and closes (by hand or on time: the periodic task goes through the same two
functions), and the last-day reminder. Decisions:
- Opening by hand before `voting_starts` is allowed and moves `voting_starts` (and
  `nomination_ends` if later) to now, so that the stored window is the one that applied;
  opening once `voting_ends` has passed is refused (409 `voting_window_over`).
- Closing by hand before `voting_ends` moves `voting_ends` to now for the same reason.
- A round opens only with at least one candidate (409 `no_candidates`); the task leaves such a
  round nominating until staff add candidates.

The close and the ballots exclude each other through a PostgreSQL advisory lock on the round
(see `monthly.ballots`): the close takes it exclusively, so it counts only after every ballot
that saw the round open has committed, and any later ballot sees it closed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from backend import workflow
from backend.errors import Conflict, InvalidInput
from backend.messages import Msg
from grids.models import GridLevel, GridUnit

from . import events, selectors
from .models import Candidate, Nomination, Round, RoundResult, RoundStatus, TallyShard

SCOPE_LEVELS = {GridLevel.DISTRICT, GridLevel.STREET}
# Advisory lock namespace (first key of pg_advisory_xact_lock(int, int)); the second is the round id.
ROUND_LOCK_NAMESPACE = 28015  # 0x6D6F, "mo"; the stored function monthly_cast_ballot uses it too


def _check_times(nomination_ends: datetime, voting_starts: datetime, voting_ends: datetime) -> None:
    fields: dict[str, list[str]] = {}
    if nomination_ends > voting_starts:
        fields["nomination_ends"] = ["must not be after voting_starts"]
    if voting_starts >= voting_ends:
        fields["voting_ends"] = ["must be after voting_starts"]
    if fields:
        raise InvalidInput(Msg("时间顺序不正确。", "The times are out of order."), code="invalid", fields=fields)


@transaction.atomic
def round_create(
    *,
    actor: Any,
    scope: GridUnit,
    month: str,
    title: str,
    nomination_ends: datetime,
    voting_starts: datetime,
    voting_ends: datetime,
    description: str = "",
    max_choices: int = 1,
    results_visibility: str = Round.Visibility.AFTER_CLOSE,
) -> Round:
    events.ensure_staff(actor, scope)
    if scope.level not in SCOPE_LEVELS:
        raise InvalidInput(
            Msg("每月一事的范围须为区或街道。", "A round's scope is a district or a street."),
            fields={"scope": [Msg("须为区或街道。", "must be a district or a street")]},
        )
    _check_times(nomination_ends, voting_starts, voting_ends)
    try:
        with transaction.atomic():
            round_ = Round.objects.create(
                scope=scope,
                month=month,
                title=title,
                description=description,
                nomination_ends=nomination_ends,
                voting_starts=voting_starts,
                voting_ends=voting_ends,
                max_choices=max_choices,
                results_visibility=results_visibility,
                created_by=actor,
            )
    except IntegrityError:
        raise Conflict(
            Msg("该范围本月已有每月一事。", "This area already has a round for that month."),
            code="round_exists",
            fields={"month": [month]},
        )
    events.note(round_, "create", actor=actor, after=round_.status, at=round_.created_at)
    return round_


@transaction.atomic
def round_update(*, round_: Round, actor: Any, **changes: Any) -> Round:
    """Staff edit a round while it is still collecting nominations (times, texts, rules)."""
    round_ = events.lock(round_)
    events.ensure_staff(actor, round_)
    if round_.status != RoundStatus.NOMINATING:
        raise Conflict(Msg("投票开始后不能修改。", "A round cannot be edited once voting opened."), code="round_locked")
    for name, value in changes.items():
        setattr(round_, name, value)
    _check_times(round_.nomination_ends, round_.voting_starts, round_.voting_ends)
    round_.save(update_fields=list(changes))
    events.note(round_, "update", actor=actor, note=", ".join(sorted(changes)), at=timezone.now())
    return round_


@transaction.atomic
def nomination_create(
    *, round_: Round, author: Any, title: str, description: str = "", now: datetime | None = None
) -> Nomination:
    now = events.now(now)
    round_ = Round.objects.select_related("scope").get(pk=round_.pk)
    if round_.status != RoundStatus.NOMINATING or now >= round_.nomination_ends:
        raise Conflict(Msg("提名已截止。", "Nominations are closed."), code="nomination_closed")
    events.ensure_eligible(author, round_)
    return Nomination.objects.create(round=round_, author=author, title=title, description=description)


@transaction.atomic
def candidate_add(
    *, round_: Round, actor: Any, title: str, description: str = "", nomination: Nomination | None = None
) -> Candidate:
    """Staff turn a nomination (or their own proposal) into a candidate, before voting opens:
    a ballot is validated against a fixed list."""
    round_ = events.lock(round_)
    events.ensure_staff(actor, round_)
    if round_.status != RoundStatus.NOMINATING:
        raise Conflict(
            Msg("投票开始后不能再增加候选事项。", "Candidates cannot be added once voting opened."),
            code="candidates_locked",
        )
    if nomination is not None and nomination.round_id != round_.pk:
        raise InvalidInput(
            Msg("该提名不属于本轮。", "That nomination belongs to another round."),
            fields={"nomination": [Msg("不是本轮的提名。", "not a nomination of this round")]},
        )
    candidate = Candidate.objects.create(
        round=round_, title=title, description=description, nomination=nomination, created_by=actor
    )
    events.note(round_, "candidate_added", actor=actor, note=title, at=candidate.created_at)
    return candidate


@transaction.atomic
def round_open_voting(*, round_: Round, actor: Any = None, now: datetime | None = None) -> Round:
    """Open voting: by staff (actor) or on time by the periodic task (actor None)."""
    now = events.now(now)
    round_ = events.lock(round_)
    if actor is not None:
        events.ensure_staff(actor, round_)
    if round_.status == RoundStatus.NOMINATING and now >= round_.voting_ends and actor is not None:
        raise Conflict(
            Msg("投票截止时间已过，请先修改时间。", "The voting window is over; change the times first."),
            code="voting_window_over",
        )
    if round_.status == RoundStatus.NOMINATING and not round_.candidates.exists():
        raise Conflict(Msg("还没有候选事项。", "The round has no candidates yet."), code="no_candidates")
    fields = ["tally_shards"]
    note = ""
    if now < round_.voting_starts:  # opened early by hand: the stored window is the one that applies
        note = f"voting_starts {round_.voting_starts.isoformat()} -> {now.isoformat()}"
        round_.voting_starts = now
        round_.nomination_ends = min(round_.nomination_ends, now)
        fields += ["voting_starts", "nomination_ends"]
    round_.tally_shards = settings.MONTHLY_TALLY_SHARDS
    events.move(round_, "open_voting", actor=actor, at=now, note=note, fields=fields)
    candidate_ids = [None, *round_.candidates.values_list("pk", flat=True)]
    TallyShard.objects.bulk_create(
        TallyShard(round=round_, candidate_id=cid, shard=s) for s in range(round_.tally_shards) for cid in candidate_ids
    )
    events.tell_scope(round_, "monthly_voting_opened")
    return round_


@transaction.atomic
def round_close(*, round_: Round, actor: Any = None, now: datetime | None = None) -> Round:
    """Close voting, count and freeze the result (never recomputed afterwards)."""
    now = events.now(now)
    if connection.vendor == "postgresql":  # wait for every ballot that saw the round open
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ROUND_LOCK_NAMESPACE, round_.pk])
    round_ = events.lock(round_)
    if actor is not None:
        events.ensure_staff(actor, round_)
    fields = ["winner", "turnout", "eligible", "counted_at"]
    note = ""
    if round_.status == RoundStatus.VOTING and now < round_.voting_ends:
        note = f"voting_ends {round_.voting_ends.isoformat()} -> {now.isoformat()}"
        round_.voting_ends = now
        fields.append("voting_ends")
    if round_.status != RoundStatus.VOTING:
        workflow.check(round_, "close")  # raises the 409
    tally = selectors.live_tally(round_)
    candidates = list(round_.candidates.order_by("pk"))
    ranked = sorted(candidates, key=lambda c: -tally.votes.get(c.pk, 0))  # ties keep the candidate order
    results, rank, previous = [], 0, None
    for position, candidate in enumerate(ranked, start=1):
        votes = tally.votes.get(candidate.pk, 0)
        if votes != previous:
            rank, previous = position, votes
        results.append(RoundResult(round=round_, candidate=candidate, votes=votes, rank=rank))
    RoundResult.objects.bulk_create(results)
    top = results[0] if results and results[0].votes > 0 else None
    round_.winner = top.candidate if top else None
    round_.turnout = tally.turnout
    round_.eligible = selectors.verified_residents_under(path=round_.scope_path).count()
    round_.counted_at = now
    if top and len(results) > 1 and results[1].votes == top.votes:
        note = (note + "; " if note else "") + "tie broken by candidate order"
    events.move(round_, "close", actor=actor, at=now, note=note, fields=fields)
    transaction.on_commit(lambda: selectors.forget_voting_info(round_.pk))
    events.tell_scope(
        round_,
        "monthly_result",
        winner=round_.winner.title if round_.winner else "无",
        winner_votes=top.votes if top else 0,
        turnout=round_.turnout,
    )
    return round_


@transaction.atomic
def round_remind_last_day(*, round_: Round, now: datetime | None = None) -> bool:
    """Once per round, within the last day of voting: remind the scope's residents."""
    now = events.now(now)
    updated = Round.objects.filter(
        pk=round_.pk,
        status=RoundStatus.VOTING,
        last_day_reminded_at__isnull=True,
        voting_ends__gt=now,
        voting_ends__lte=now + timedelta(days=1),
    ).update(last_day_reminded_at=now)
    if not updated:  # already reminded (perhaps by a concurrent run), or not the last day
        return False
    round_ = Round.objects.select_related("scope").get(pk=round_.pk)
    events.note(round_, "last_day_reminder", at=now)
    events.tell_scope(round_, "monthly_voting_last_day")
    return True

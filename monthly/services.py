"""Every write of 每月一事: one function per use case, each in a transaction with its
permission check, lock, transition, history row and notification.

Opening and closing by hand (staff) and on time (the periodic task) go through the same two
services. Decisions:
- Opening by hand before `voting_starts` is allowed and moves `voting_starts` (and
  `nomination_ends` if later) to now, so that the stored window is the one that applied;
  opening once `voting_ends` has passed is refused (409 `voting_window_over`).
- Closing by hand before `voting_ends` moves `voting_ends` to now for the same reason.
- A round opens only with at least one candidate (409 `no_candidates`); the task leaves such a
  round nominating until staff add candidates.

The ballot and the close exclude each other through a PostgreSQL advisory lock on the round:
every ballot transaction takes it shared, before the statement that checks the round is still
voting; the close takes it exclusively, so it counts only after every ballot that saw the round
open has committed, and any later ballot sees it closed. The lock lives in the lock manager's
memory (a FOR SHARE row lock would write the round's row on every ballot).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from contextlib import nullcontext
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from backend.crypto import encrypt
from backend.errors import Conflict, InvalidInput, PermissionDenied
from backend.messages import Msg
from backend.statemachine import apply_transition
from grids.models import GridLevel, GridUnit
from grids.scope import ensure_in_reach
from notifications.realtime import publish
from notifications.services import notify
from residents.models import User

from . import selectors
from .models import (
    Ballot,
    Candidate,
    Nomination,
    ProgressReport,
    Rating,
    Round,
    RoundEvent,
    RoundResult,
    RoundStatus,
    TallyShard,
)

log = logging.getLogger(__name__)

SCOPE_LEVELS = {GridLevel.DISTRICT, GridLevel.STREET}
# Advisory lock namespace (first key of pg_advisory_xact_lock(int, int)); the second is the round id.
ROUND_LOCK_NAMESPACE = 28015  # 0x6D6F, "mo"; the stored function monthly_cast_ballot uses it too

NOT_ELIGIBLE = Msg(
    "只有住址已核实且住在本轮范围内的居民可以参与。",
    "Only residents with a verified home inside this round's area may take part.",
)


# --- helpers -----------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _event(
    round_: Round,
    action: str,
    *,
    actor: Any = None,
    before: str = "",
    after: str = "",
    note: str = "",
    at: datetime,
) -> None:
    RoundEvent.objects.create(
        round=round_,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=before,
        to_status=after,
        note=note[:500],
        at=at,
    )


def _transition(round_: Round, action: str, *, actor: Any, at: datetime, note: str = "", fields=()) -> None:
    before, after = apply_transition(round_, action, update_fields=fields)
    _event(round_, action, actor=actor, before=before, after=after, note=note, at=at)


def _lock(round_: Round) -> Round:
    return Round.objects.select_for_update().select_related("scope").get(pk=round_.pk)


def _ensure_staff(actor: Any, round_or_scope: Round | GridUnit) -> None:
    scope = round_or_scope.scope if isinstance(round_or_scope, Round) else round_or_scope
    ensure_in_reach(actor, scope)


def _ensure_eligible(user: Any, round_: Round) -> None:
    if not selectors.is_eligible(user, round_):
        raise PermissionDenied(NOT_ELIGIBLE, code="not_eligible")


def _context(round_: Round, **extra: Any) -> dict[str, Any]:
    local = timezone.localtime
    return {
        "round_id": round_.pk,
        "title": round_.title,
        "month": round_.month,
        "scope": round_.scope.name,
        "voting_ends": local(round_.voting_ends).strftime("%Y-%m-%d %H:%M"),
        **extra,
    }


def _tell_scope(round_: Round, event: str, **extra: Any) -> None:
    """The scope's residents (inbox, subscribe messages) and its group chats, subtree-wide."""
    notify(
        event=event,
        residents_under=round_.scope,
        grid=round_.scope,
        subtree=True,
        context=_context(round_, **extra),
    )


def _check_times(nomination_ends: datetime, voting_starts: datetime, voting_ends: datetime) -> None:
    fields: dict[str, list[str]] = {}
    if nomination_ends > voting_starts:
        fields["nomination_ends"] = ["must not be after voting_starts"]
    if voting_starts >= voting_ends:
        fields["voting_ends"] = ["must be after voting_starts"]
    if fields:
        raise InvalidInput(Msg("时间顺序不正确。", "The times are out of order."), code="invalid", fields=fields)


# --- rounds ------------------------------------------------------------------------------


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
    _ensure_staff(actor, scope)
    if scope.level not in SCOPE_LEVELS:
        raise InvalidInput(
            Msg("每月一事的范围须为区或街道。", "A round's scope is a district or a street."),
            fields={"scope": ["must be a district or a street"]},
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
    _event(round_, "create", actor=actor, after=round_.status, at=round_.created_at)
    return round_


@transaction.atomic
def round_update(*, round_: Round, actor: Any, **changes: Any) -> Round:
    """Staff edit a round while it is still collecting nominations (times, texts, rules)."""
    round_ = _lock(round_)
    _ensure_staff(actor, round_)
    if round_.status != RoundStatus.NOMINATING:
        raise Conflict(Msg("投票开始后不能修改。", "A round cannot be edited once voting opened."), code="round_locked")
    for name, value in changes.items():
        setattr(round_, name, value)
    _check_times(round_.nomination_ends, round_.voting_starts, round_.voting_ends)
    round_.save(update_fields=list(changes))
    _event(round_, "update", actor=actor, note=", ".join(sorted(changes)), at=timezone.now())
    return round_


@transaction.atomic
def nomination_create(
    *, round_: Round, author: Any, title: str, description: str = "", now: datetime | None = None
) -> Nomination:
    now = _now(now)
    round_ = Round.objects.select_related("scope").get(pk=round_.pk)
    if round_.status != RoundStatus.NOMINATING or now >= round_.nomination_ends:
        raise Conflict(Msg("提名已截止。", "Nominations are closed."), code="nomination_closed")
    _ensure_eligible(author, round_)
    return Nomination.objects.create(round=round_, author=author, title=title, description=description)


@transaction.atomic
def candidate_add(
    *, round_: Round, actor: Any, title: str, description: str = "", nomination: Nomination | None = None
) -> Candidate:
    """Staff turn a nomination (or their own proposal) into a candidate, before voting opens:
    a ballot is validated against a fixed list."""
    round_ = _lock(round_)
    _ensure_staff(actor, round_)
    if round_.status != RoundStatus.NOMINATING:
        raise Conflict(
            Msg("投票开始后不能再增加候选事项。", "Candidates cannot be added once voting opened."),
            code="candidates_locked",
        )
    if nomination is not None and nomination.round_id != round_.pk:
        raise InvalidInput(
            Msg("该提名不属于本轮。", "That nomination belongs to another round."),
            fields={"nomination": ["not a nomination of this round"]},
        )
    candidate = Candidate.objects.create(
        round=round_, title=title, description=description, nomination=nomination, created_by=actor
    )
    _event(round_, "candidate_added", actor=actor, note=title, at=candidate.created_at)
    return candidate


@transaction.atomic
def round_open_voting(*, round_: Round, actor: Any = None, now: datetime | None = None) -> Round:
    """Open voting: by staff (actor) or on time by the periodic task (actor None)."""
    now = _now(now)
    round_ = _lock(round_)
    if actor is not None:
        _ensure_staff(actor, round_)
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
    _transition(round_, "open_voting", actor=actor, at=now, note=note, fields=fields)
    candidate_ids = [None, *round_.candidates.values_list("pk", flat=True)]
    TallyShard.objects.bulk_create(
        TallyShard(round=round_, candidate_id=cid, shard=s) for s in range(round_.tally_shards) for cid in candidate_ids
    )
    _tell_scope(round_, "monthly_voting_opened")
    return round_


@transaction.atomic
def round_close(*, round_: Round, actor: Any = None, now: datetime | None = None) -> Round:
    """Close voting, count and freeze the result (never recomputed afterwards)."""
    now = _now(now)
    if connection.vendor == "postgresql":  # wait for every ballot that saw the round open
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ROUND_LOCK_NAMESPACE, round_.pk])
    round_ = _lock(round_)
    if actor is not None:
        _ensure_staff(actor, round_)
    fields = ["winner", "turnout", "eligible", "counted_at"]
    note = ""
    if round_.status == RoundStatus.VOTING and now < round_.voting_ends:
        note = f"voting_ends {round_.voting_ends.isoformat()} -> {now.isoformat()}"
        round_.voting_ends = now
        fields.append("voting_ends")
    if round_.status != RoundStatus.VOTING:
        apply_transition(round_, "close", save=False)  # raises the 409
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
    _transition(round_, "close", actor=actor, at=now, note=note, fields=fields)
    transaction.on_commit(lambda: selectors.forget_voting_info(round_.pk))
    _tell_scope(
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
    now = _now(now)
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
    _event(round_, "last_day_reminder", at=now)
    _tell_scope(round_, "monthly_voting_last_day")
    return True


# --- ballots -----------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _receipt_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"yuandian-monthly-receipt", hashlib.sha256).digest()


def make_receipt(round_id: int, voter_id: int, salt: str) -> str:
    key = _receipt_key(settings.FIELD_ENCRYPTION_KEY)
    return hmac.new(key, f"{round_id}:{voter_id}:{salt}".encode(), hashlib.sha256).hexdigest()


def _validate_choices(info: selectors.VotingInfo, choices: list[int]) -> None:
    problem = None
    if not choices:
        problem = "choose at least one candidate"
    elif len(choices) > info.max_choices:
        problem = f"choose at most {info.max_choices}"
    elif len(set(choices)) != len(choices):
        problem = "a candidate is chosen twice"
    elif not info.candidate_ids.issuperset(choices):
        problem = "not a candidate of this round"
    if problem:
        raise InvalidInput(Msg("选择无效。", "Invalid choices."), code="invalid_choices", fields={"choices": [problem]})


# The stored function of migration 0002: the shared round lock, then ONE statement that inserts
# the ballot if the round is in its window, the voter an active account with a verified home in
# the scope and every choice a candidate of the round, and bumps the counters of the voter's
# shard (the turnout row and each chosen candidate). Returns the counter rows bumped (0: refused).
CAST_SQL = "SELECT monthly_cast_ballot(%s, %s, %s, %s, %s, %s::timestamptz, %s, %s::bigint[])"


def ballot_cast(*, round_id: int, voter: Any, choices: list[int], now: datetime | None = None) -> dict[str, Any]:
    """Cast the voter's one ballot; returns `{"round","receipt","cast_at","choices"}`.

    The hot path of a district vote is ONE short query (`CAST_SQL`, a stored function whose plans
    PostgreSQL caches): the shared round lock, then the insert with the eligibility, window and
    candidate tests and the counter bump, atomically. The UNIQUE (round, voter) constraint, not
    a prior check, makes a second ballot fail (409 `already_voted`). Not wrapped in @transaction.atomic: in
    autocommit mode the one statement is its own transaction, and BEGIN/COMMIT would cost two
    more round trips; inside a caller's transaction a savepoint keeps a refusal from breaking it.
    """
    now = _now(now)
    info = selectors.voting_info(round_id)
    _validate_choices(info, choices)
    salt = secrets.token_hex(16)
    receipt = make_receipt(round_id, voter.pk, salt)
    shard = int(voter.pk) % max(info.shards, 1)
    params = [round_id, voter.pk, receipt, salt, encrypt(json.dumps(choices)), now, shard, choices]
    cast = _cast_postgresql if connection.vendor == "postgresql" else _cast_portable
    try:
        bumped = cast(params)
    except IntegrityError:
        raise Conflict(Msg("您已经投过票了。", "You have already voted in this round."), code="already_voted")
    if bumped == 0:
        _refuse_ballot(round_id, voter, now)
    if bumped != len(choices) + 1:  # counter rows missing: the tally must be reconciled
        log.error("monthly round %s: ballot bumped %s counters for %s choices", round_id, bumped, len(choices))
    if info.live:
        transaction.on_commit(lambda: request_tally_publish(round_id))
    return {"round": round_id, "receipt": receipt, "cast_at": now, "choices": choices}


def _cast_postgresql(params: list[Any]) -> int:
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with guard, connection.cursor() as cursor:
        cursor.execute(CAST_SQL, params)
        return cursor.fetchone()[0]


@transaction.atomic
def _cast_portable(params: list[Any]) -> int:
    """The same as monthly_cast_ballot through the ORM, for the embedded SQLite demo (SQLite runs
    one writer at a time, which also keeps a ballot and the close apart)."""
    round_id, voter_id, receipt, salt, _sealed, now, shard, choices = params
    round_ = Round.objects.filter(
        pk=round_id, status=RoundStatus.VOTING, voting_starts__lte=now, voting_ends__gt=now
    ).first()
    if (
        round_ is None
        or not User.objects.filter(pk=voter_id, is_active=True).exists()
        or not selectors.verified_residents_under(path=round_.scope_path).filter(user_id=voter_id).exists()
        or Candidate.objects.filter(round=round_, pk__in=choices).count() != len(choices)
    ):
        return 0
    Ballot.objects.create(
        round=round_, voter_id=voter_id, receipt=receipt, salt=salt, sealed_choices=json.dumps(choices), cast_at=now
    )
    counters = TallyShard.objects.filter(round=round_, shard=shard).filter(
        Q(candidate_id__in=choices) | Q(candidate__isnull=True)
    )
    return counters.update(votes=F("votes") + 1)


def _refuse_ballot(round_id: int, voter: Any, now: datetime) -> None:
    """The insert did nothing: say why (the rare path, so a few more queries are fine)."""
    round_ = Round.objects.select_related("scope").get(pk=round_id)
    if round_.status != RoundStatus.VOTING or not (round_.voting_starts <= now < round_.voting_ends):
        raise Conflict(Msg("不在投票时间内。", "Voting is not open."), code="voting_closed")
    if not User.objects.filter(pk=voter.pk, is_active=True).exists():
        raise PermissionDenied(Msg("账号已停用。", "This account is disabled."), code="account_disabled")
    _ensure_eligible(voter, round_)
    selectors.forget_voting_info(round_id)  # the candidates we validated against were stale
    raise InvalidInput(
        Msg("选择无效。", "Invalid choices."),
        code="invalid_choices",
        fields={"choices": ["not a candidate of this round"]},
    )


# --- live tallies over the WebSocket -------------------------------------------------------


def _gate_key(round_id: int) -> str:
    return f"monthly:tally-gate:{round_id}"


def _dirty_key(round_id: int) -> str:
    return f"monthly:tally-dirty:{round_id}"


def request_tally_publish(round_id: int) -> None:
    """After a ballot commits in a live round: mark the tally changed and publish it unless
    it went out less than a second ago (then the trailing task sends it)."""
    cache.set(_dirty_key(round_id), 1, 3600)
    publish_tally_if_due(round_id)


def publish_tally_if_due(round_id: int) -> bool:
    """At most once a second per round (SET NX EX gate); each publish schedules one trailing
    run a second later, so the last ballots are never left unpublished."""
    from .tasks import publish_round_tally

    if not cache.add(_gate_key(round_id), 1, settings.MONTHLY_TALLY_PUBLISH_SECONDS):
        return False
    if not cache.delete(_dirty_key(round_id)):  # nothing new since the last publish
        return False
    round_ = Round.objects.filter(pk=round_id).first()
    if round_ is None or round_.results_visibility != Round.Visibility.LIVE:
        return False
    publish(f"monthly.round.{round_id}", "round_tally", selectors.tally_payload(round_))
    publish_round_tally.apply_async((round_id,), countdown=settings.MONTHLY_TALLY_PUBLISH_SECONDS + 0.05)
    return True


# --- follow-up ---------------------------------------------------------------------------


@transaction.atomic
def progress_report(
    *, round_: Round, actor: Any, content: str, percent: int, now: datetime | None = None
) -> ProgressReport:
    """Staff report work on the winner: the first report starts implementing, 100 % completes."""
    now = _now(now)
    round_ = _lock(round_)
    _ensure_staff(actor, round_)
    if round_.status not in (RoundStatus.COUNTED, RoundStatus.IMPLEMENTING) or round_.winner_id is None:
        raise Conflict(
            Msg("只能对已计票且有结果的事项报告进展。", "Progress is reported on a counted round's winner."),
            code="illegal_transition",
            fields={"status": [round_.status]},
        )
    last = round_.progress_reports.order_by("-created_at", "-pk").values_list("percent", flat=True).first()
    if last is not None and percent < last:
        raise InvalidInput(
            Msg("进度不能倒退。", "Progress cannot go backwards."), fields={"percent": [f"at least {last}"]}
        )
    report = ProgressReport.objects.create(round=round_, author=actor, content=content, percent=percent, created_at=now)
    if round_.status == RoundStatus.COUNTED:
        _transition(round_, "start_implementing", actor=actor, at=now, note=f"{percent}%")
    else:
        _event(round_, "progress", actor=actor, note=f"{percent}%", at=now)
    if percent == 100:
        _transition(round_, "complete", actor=actor, at=now)
        _tell_scope(round_, "monthly_completed", winner=round_.winner.title)
    return report


@transaction.atomic
def round_rate(*, round_: Round, rater: Any, score: int, comment: str = "") -> Rating:
    """An eligible resident rates the outcome, once."""
    round_ = Round.objects.select_related("scope").get(pk=round_.pk)
    if not round_.is_counted:
        raise Conflict(Msg("计票后才能评价。", "A round is rated once it is counted."), code="round_not_counted")
    _ensure_eligible(rater, round_)
    try:
        with transaction.atomic():
            return Rating.objects.create(round=round_, rater=rater, score=score, comment=comment)
    except IntegrityError:
        raise Conflict(Msg("您已经评价过了。", "You have already rated this round."), code="already_rated")

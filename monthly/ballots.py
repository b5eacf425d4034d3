"""Ballots: one per resident and round, secret (sealed choices, a receipt), counted in sharded
counters. Every ballot transaction takes the round's advisory lock shared, before the statement
that checks the round is still voting; the close takes it exclusively (`monthly.rounds`). The
lock lives in the lock manager's memory (a FOR SHARE row lock would write the round's row on
every ballot)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from contextlib import nullcontext
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q

from backend.crypto import encrypt
from backend.errors import Conflict, InvalidInput, PermissionDenied
from backend.messages import Msg
from residents.models import User

from . import events, selectors
from .live import request_tally_publish
from .models import Ballot, Candidate, Round, RoundStatus, TallyShard

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _receipt_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"yuandian-monthly-receipt", hashlib.sha256).digest()


def make_receipt(round_id: int, voter_id: int, salt: str) -> str:
    key = _receipt_key(settings.FIELD_ENCRYPTION_KEY)
    return hmac.new(key, f"{round_id}:{voter_id}:{salt}".encode(), hashlib.sha256).hexdigest()


NOT_A_CANDIDATE = Msg("不是本轮的候选项。", "not a candidate of this round")


def _validate_choices(info: selectors.VotingInfo, choices: list[int]) -> None:
    problem = None
    if not choices:
        problem = Msg("请至少选择一个候选项。", "choose at least one candidate")
    elif len(choices) > info.max_choices:
        problem = Msg("最多选择 {n} 个。", "choose at most {n}").format(n=info.max_choices)
    elif len(set(choices)) != len(choices):
        problem = Msg("同一候选项被选择了两次。", "a candidate is chosen twice")
    elif not info.candidate_ids.issuperset(choices):
        problem = NOT_A_CANDIDATE
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
    now = events.now(now)
    info = selectors.voting_info(round_id)
    _validate_choices(info, choices)
    salt = secrets.token_hex(16)
    receipt = make_receipt(round_id, voter.pk, salt)
    shard = int(voter.pk) % max(info.shards, 1)
    params = [round_id, voter.pk, receipt, salt, encrypt(json.dumps(choices)), now, shard, choices]
    cast = cast_postgresql if connection.vendor == "postgresql" else cast_portable
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


def cast_postgresql(params: list[Any]) -> int:
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with guard, connection.cursor() as cursor:
        cursor.execute(CAST_SQL, params)
        return cursor.fetchone()[0]


@transaction.atomic
def cast_portable(params: list[Any]) -> int:
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
    events.ensure_eligible(voter, round_)
    selectors.forget_voting_info(round_id)  # the candidates we validated against were stale
    raise InvalidInput(
        Msg("选择无效。", "Invalid choices."),
        code="invalid_choices",
        fields={"choices": [NOT_A_CANDIDATE]},
    )

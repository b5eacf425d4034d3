"""Rounds built through the services, so that setup follows the same rules as the API."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from monthly import services
from monthly.models import Candidate, Round

_months = iter(range(1, 10_000))


def next_month() -> str:
    n = next(_months)
    return f"{2030 + n // 12:04d}-{n % 12 + 1:02d}"


def make_round(
    *,
    scope: Any,
    staff: Any,
    now: datetime | None = None,
    titles: Iterable[str] = ("修好3号楼路灯", "增设充电桩", "清理楼道杂物"),
    open_voting: bool = False,
    max_choices: int = 1,
    visibility: str = Round.Visibility.AFTER_CLOSE,
    month: str | None = None,
) -> Round:
    """A round whose voting window holds `now` (default: the real clock): nominations closed an
    hour ago, voting opened an hour ago (if `open_voting`) and ends in two days."""
    now = now or timezone.now()
    round_ = services.round_create(
        actor=staff,
        scope=scope,
        month=month or next_month(),
        title="每月一事",
        nomination_ends=now - timedelta(hours=1),
        voting_starts=now - timedelta(hours=1),
        voting_ends=now + timedelta(days=2),
        max_choices=max_choices,
        results_visibility=visibility,
    )
    for title in titles:
        services.candidate_add(round_=round_, actor=staff, title=title)
    if open_voting:
        round_ = services.round_open_voting(round_=round_, now=now)
    return Round.objects.select_related("scope").get(pk=round_.pk)


def candidates(round_: Round) -> list[Candidate]:
    return list(round_.candidates.order_by("pk"))


def url(round_: Round, tail: str = "") -> str:
    return f"/api/v1/monthly/rounds/{round_.pk}{'/' + tail if tail else ''}"

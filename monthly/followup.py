"""After the count: staff report progress on the winner (the first report starts
implementing, 100 % completes it) and residents rate the outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from backend.errors import Conflict, InvalidInput
from backend.messages import Msg
from backend.uniques import unique_or

from . import events
from .models import ProgressReport, Rating, Round, RoundStatus


@transaction.atomic
def progress_report(
    *, round_: Round, actor: Any, content: str, percent: int, now: datetime | None = None
) -> ProgressReport:
    """Staff report work on the winner: the first report starts implementing, 100 % completes."""
    now = events.now(now)
    round_ = events.lock(round_)
    events.ensure_staff(actor, round_)
    if round_.status not in (RoundStatus.COUNTED, RoundStatus.IMPLEMENTING) or round_.winner_id is None:
        raise Conflict(
            Msg("只能对已计票且有结果的事项报告进展。", "Progress is reported on a counted round's winner."),
            code="illegal_transition",
            fields={"status": [round_.status]},
        )
    last = round_.progress_reports.order_by("-created_at", "-pk").values_list("percent", flat=True).first()
    if last is not None and percent < last:
        raise InvalidInput(
            Msg("进度不能倒退。", "Progress cannot go backwards."),
            fields={"percent": [Msg("不能低于 {last}。", "at least {last}").format(last=last)]},
        )
    report = ProgressReport.objects.create(round=round_, author=actor, content=content, percent=percent, created_at=now)
    if round_.status == RoundStatus.COUNTED:
        events.move(round_, "start_implementing", actor=actor, at=now, note=f"{percent}%")
    else:
        events.note(round_, "progress", actor=actor, note=f"{percent}%", at=now)
    if percent == 100:
        events.move(round_, "complete", actor=actor, at=now)
        events.tell_scope(round_, "monthly_completed", winner=round_.winner.title)
    return report


@transaction.atomic
def round_rate(*, round_: Round, rater: Any, score: int, comment: str = "") -> Rating:
    """An eligible resident rates the outcome, once."""
    round_ = Round.objects.select_related("scope").get(pk=round_.pk)
    if not round_.is_counted:
        raise Conflict(Msg("计票后才能评价。", "A round is rated once it is counted."), code="round_not_counted")
    events.ensure_eligible(rater, round_)
    with unique_or(Conflict(Msg("您已经评价过了。", "You have already rated this round."), code="already_rated")):
        return Rating.objects.create(round=round_, rater=rater, score=score, comment=comment)

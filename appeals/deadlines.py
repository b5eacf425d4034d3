"""Deadlines of an appeal: the rules (hours to accept, working days to resolve, in
`appeals.clock`, re-exported here) and the periodic task that enforces them: escalate what
was not accepted in time, flag what is overdue, close what was resolved and left unrated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet, prefetch_related_objects

from grids.models import GridLevel

from . import events
from .clock import Limits, add_working_days, due_dates, is_working_day, limits_for
from .handling import escalate_locked
from .models import OPEN_STATUSES, Appeal, AppealStatus

__all__ = ["Limits", "add_working_days", "deadlines_enforce", "due_dates", "is_working_day", "limits_for"]

S = AppealStatus
SYSTEM_BATCH = 200


def _system_batches(rows: QuerySet[Appeal], handle: Callable[[Appeal], None]) -> int:
    """Lock and handle matching appeals in pk order, a batch per transaction, skipping rows a
    concurrent run holds: two runs at once share the work and nothing is handled twice. The
    lock takes the appeals' rows alone; their units are loaded after it."""
    done, last_pk = 0, 0
    while True:
        with transaction.atomic():
            batch = list(rows.filter(pk__gt=last_pk).select_for_update(skip_locked=True).order_by("pk")[:SYSTEM_BATCH])
            prefetch_related_objects(batch, *events.LOCK_RELATED, "accepted_by")
            for appeal in batch:
                handle(appeal)
        done += len(batch)
        if len(batch) < SYSTEM_BATCH:
            return done
        last_pk = batch[-1].pk


def deadlines_enforce(*, now: datetime | None = None) -> dict[str, int]:
    """Escalate appeals not accepted in time (up to the district), flag overdue ones, and close
    resolved ones left unrated. Running it again, or twice at once, changes nothing more."""
    now = events.now_or(now)

    def escalate(appeal: Appeal) -> None:
        escalate_locked(appeal, actor=None, reason="超时未受理，系统自动上报", now=now)

    def flag(appeal: Appeal) -> None:
        appeal.is_overdue, appeal.overdue_at = True, now
        appeal.save(update_fields=["is_overdue", "overdue_at", "updated_at"])
        event = events.note(appeal, "overdue", actor=None, at=now, text="已超期")
        events.tell_unit(appeal, "appeal_overdue", event)

    def close(appeal: Appeal) -> None:
        event = events.move(
            appeal, "autoclose", actor=None, at=now, note="逾期未评价，自动关闭", changes={"closed_at": now}
        )
        events.tell_submitter(appeal, "appeal_closed", event)

    late_accept = Q(status=S.SUBMITTED, accept_due_at__lt=now)
    return {
        "escalated": _system_batches(Appeal.objects.filter(late_accept).exclude(level=GridLevel.DISTRICT), escalate),
        "overdue": _system_batches(
            Appeal.objects.filter(status__in=OPEN_STATUSES, is_overdue=False).filter(
                Q(due_at__lt=now) | (late_accept & Q(level=GridLevel.DISTRICT))
            ),
            flag,
        ),
        "closed": _system_batches(
            Appeal.objects.filter(
                status=S.RESOLVED, resolved_at__lt=now - timedelta(days=settings.APPEAL_AUTOCLOSE_DAYS)
            ),
            close,
        ),
    }

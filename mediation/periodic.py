"""The periodic tasks of mediation: flag cases past their deadline, remind mediators of
upcoming sessions. Safe to run often and from several workers: rows are locked (their own rows
alone, skipping those another run holds) and each is handled once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone

from backend.batches import each_locked_batch
from grids.models import Assignment, GridLevel
from grids.roles import STAFF_ROLES
from notifications.services import notify
from residents.models import User

from . import events
from .models import CLOCK_STATUSES, Case, CaseEvent, CaseStatus, MemberRole, Session, TeamMember


def _street_staff(cases: Sequence[Case]) -> dict[str, list[User]]:
    """Street path -> users with STAFF_ROLES on that street unit (one query for all cases)."""
    wanted = {p for c in cases for p in c.grid.ancestor_paths}
    rows = Assignment.objects.filter(
        unit__path__in=wanted, unit__level=GridLevel.STREET, role__in=STAFF_ROLES
    ).select_related("user", "unit")
    staff: dict[str, dict[int, User]] = {}
    for row in rows:
        staff.setdefault(row.unit.path, {})[row.user_id] = row.user
    return {path: list(users.values()) for path, users in staff.items()}


def cases_flag_overdue(*, now: datetime | None = None, batch: int = 200) -> int:
    """Flag accepted/mediating cases past `due_at`, once each, and tell their team's lead and
    the street's staff. Safe to run often and from several workers (rows locked, skip locked).
    Returns how many were flagged."""
    now = now or timezone.now()

    def flag(cases: list[Case]) -> None:
        prefetch_related_objects(cases, "grid", "team")
        Case.objects.filter(pk__in=[c.pk for c in cases]).update(is_overdue=True, overdue_at=now)
        # The timeline rows of a whole batch in one insert (workflow.record writes one).
        CaseEvent.objects.bulk_create(
            CaseEvent(
                case=c,
                action="overdue",
                from_status=c.status,
                to_status=c.status,
                note=events.local(c.due_at),
                at=now,
            )
            for c in cases
        )
        leads: dict[int, list[User]] = {}
        for m in TeamMember.objects.filter(team__in={c.team_id for c in cases}, role=MemberRole.LEAD).select_related(
            "user"
        ):
            leads.setdefault(m.team_id, []).append(m.user)
        staff = _street_staff(cases)
        for case in cases:
            street = next((p for p in case.grid.ancestor_paths if p in staff), None)
            users = {u.pk: u for u in [*leads.get(case.team_id, []), *staff.get(street, [])]}
            notify(event="mediation_case_overdue", users=list(users.values()), context=events.context(case))

    due = (
        Case.objects.select_for_update(skip_locked=True)
        .filter(status__in=CLOCK_STATUSES, is_overdue=False, due_at__lt=now)
        .order_by("pk")
    )
    return each_locked_batch(due, flag, batch=batch)


def sessions_remind_upcoming(*, now: datetime | None = None, batch: int = 200) -> int:
    """Remind each case's mediators of a session starting within MEDIATION_REMINDER_HOURS,
    once per session. Returns how many sessions were reminded."""
    now = now or timezone.now()
    horizon = now + timedelta(hours=settings.MEDIATION_REMINDER_HOURS)

    def remind(sessions: list[Session]) -> None:
        Session.objects.filter(pk__in=[s.pk for s in sessions]).update(reminded_at=now)
        for s in sessions:
            context = events.context(s.case, when=events.local(s.scheduled_at), place=s.place, session_id=s.pk)
            notify(event="mediation_session_reminder", users=list(s.case.mediators.all()), context=context)

    # Neither reminded, held nor called off yet.
    pending = Q(reminded_at=None, recorded_at=None, cancelled_at=None)
    due = (
        Session.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pending, scheduled_at__gt=now, scheduled_at__lte=horizon, case__status=CaseStatus.MEDIATING)
        .prefetch_related("case__team", "case__mediators")
        .order_by("scheduled_at", "pk")
    )
    return each_locked_batch(due, remind, batch=batch)

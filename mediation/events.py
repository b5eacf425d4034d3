"""What every case use case shares: the row lock, the start of a move (lock, who may act, is
the move allowed) and the move itself with its timeline row (`backend.workflow`), and who hears
of it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone

from backend import workflow
from backend.errors import InvalidInput
from backend.messages import Msg
from grids.models import GridUnit
from notifications.services import notify
from residents.models import User

from .models import Case, CaseEvent, CaseStatus, Category, MediationTeam, MemberRole, TeamMember

# Loaded after the row lock by separate queries: the lock itself joins nothing.
LOCK_RELATED = ("grid", "team__grid")


def lock(case: Case) -> Case:
    return workflow.lock(case, related=LOCK_RELATED)


def begin(
    case: Case, action: str, *, actor: User, may: Callable[[User, Case], None], now: datetime | None
) -> tuple[Case, datetime]:
    """The start of every write on a case: lock it, check the caller (`may` raises 403), check
    that the table allows `action` from its status (409). The move is saved by `move`."""
    case = lock(case)
    may(actor, case)
    workflow.check(case, action)
    return case, now or timezone.now()


def move(case: Case, action: str, *, actor: User | None, now: datetime, note: str = "", **changes: Any) -> CaseEvent:
    """Save the move along `action` with `changes` (the case's own columns) and the derived
    `due_epoch`, and write its timeline row."""
    for name, value in changes.items():
        setattr(case, name, value)
    case.refresh_due_epoch(now, status=workflow.target_of(case, action))
    event = workflow.transition(
        case, action, actor=actor, at=now, note=note, changes={**changes, "due_epoch": case.due_epoch}
    )
    assert isinstance(event, CaseEvent)
    return event


def context(case: Case, **extra: Any) -> dict[str, Any]:
    return {
        "case_id": case.pk,
        "number": case.number or "",
        "category": Category(case.category).label,
        "status": CaseStatus(case.status).label,
        "title": case.title or case.description[:20],
        "team": case.team.name if case.team_id else "",
        "due_at": local(case.due_at),
        **extra,
    }


def local(at: datetime | None) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""


def people(case: Case) -> list[User]:
    """The applicant and the parties who are users: told of every change of state."""
    ids = {case.applicant_id, *case.parties.exclude(user=None).values_list("user_id", flat=True)} - {None}
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def leads(team: MediationTeam) -> list[User]:
    return [m.user for m in TeamMember.objects.filter(team=team, role=MemberRole.LEAD).select_related("user")]


def tell_people(case: Case, event: str, **extra: Any) -> None:
    notify(event=event, users=people(case), context=context(case, **extra))


def next_session_at(case: Case) -> datetime | None:
    pending = case.sessions.filter(recorded_at=None, cancelled_at=None).order_by("scheduled_at").first()
    return pending.scheduled_at if pending else None


def ensure_team_serves(team: MediationTeam, grid: GridUnit, field: str = "team") -> None:
    if not team.active or not team.serves(grid):
        raise InvalidInput(
            Msg("所选调解组织不负责该网格。", "This team does not serve that grid."),
            fields={
                field: [
                    Msg(
                        "须为所在单位包含该案件网格的在用团队。",
                        "must be an active team whose unit contains the case's grid",
                    )
                ]
            },
        )

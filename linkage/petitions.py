"""智慧信访: handing an appeal or a failed mediation case to the petition system, taking its
status webhooks, and tracking the statutory deadlines (warned before they pass)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from appeals import services as appeals_services
from appeals.models import Appeal
from backend import workflow
from backend.errors import Conflict, NotFound, PermissionDenied
from backend.masking import mask_personal
from backend.messages import Msg
from backend.uniques import unique_or
from grids.models import GridUnit
from grids.roles import HANDLER_ROLES
from grids.scope import in_reach
from grids.selectors import people_over
from mediation.models import Case
from notifications.services import notify
from residents.models import User

from .models import InboundReceipt, LinkedSystem, Petition, PetitionStatus
from .systems import queue_call


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def _open(*, subject: Appeal | Case, kind: str, reason: str, actor: User | None, now: datetime) -> Petition:
    fields = {"appeal": subject} if kind == "appeal" else {"case": subject}
    grid_path = subject.handling_grid.path if kind == "appeal" else subject.grid.path
    petitioned = Conflict(Msg("已移交信访系统。", "Already handed to the petition system."), code="already_petitioned")
    with unique_or(petitioned):
        petition = Petition.objects.create(
            grid_path=grid_path,
            reason=reason,
            handed_over_at=now,
            accept_due_at=now + _days(settings.PETITION_ACCEPT_DAYS),
            **fields,
        )
    workflow.record(petition, "hand_over", actor=actor, after=petition.status, note=reason, at=now)
    _show_on_appeal(petition)
    workflow.record(
        subject, "to_petition", actor=actor, note=reason, at=now, details={"petition": petition.case_id_external}
    )
    queue_call(
        system=LinkedSystem.PETITION,
        key=petition.case_id_external,
        path="/cases",
        payload={
            "case_id": petition.case_id_external,
            "source": kind,
            "reference": subject.number or "",
            "category": subject.category,
            # The petitioner is reached through 原点在线; nothing identifying leaves with the case.
            "summary": mask_personal(getattr(subject, "title", "") or ""),
            "description": mask_personal(subject.description),
            "reason": mask_personal(reason),
            "handed_over_at": timezone.localtime(now).isoformat(),
        },
    )
    return petition


@transaction.atomic
def do_hand_appeal_to_petition(*, appeal: Appeal, actor: User, reason: str, now: datetime | None = None) -> Petition:
    appeal = workflow.lock(appeal, related=["handling_grid", "submitter"])
    if not in_reach(actor, appeal.handling_grid, HANDLER_ROLES):
        raise PermissionDenied(
            Msg("只有承办网格的工作人员可以移交信访。", "Only the handling unit's staff may hand it over."),
            code="not_handler",
        )
    petition = _open(subject=appeal, kind="appeal", reason=reason, actor=actor, now=now or timezone.now())
    if appeal.submitter_id:
        notify(event="petition_handed_over", users=[appeal.submitter], context=_context(petition, appeal))
    return petition


def hand_case_to_petition(*, case: Case, reason: str, now: datetime | None = None) -> Petition | None:
    """A failed mediation case referred to 信访 (called in the failing transaction)."""
    if Petition.objects.filter(case=case).exists():
        return None
    return _open(subject=case, kind="case", reason=reason, actor=None, now=now or timezone.now())


def _context(petition: Petition, subject: Any) -> dict[str, Any]:
    deadline = petition.deadline
    return {
        "petition": petition.case_id_external,
        "number": getattr(subject, "number", "") or "",
        "title": getattr(subject, "title", "") or subject.description[:20],
        "status": PetitionStatus(petition.status).label,
        "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d") if deadline else "",
        "appeal_id": petition.appeal_id or "",
        "case_id": petition.case_id or "",
    }


def _show_on_appeal(petition: Petition) -> None:
    if petition.appeal_id:
        appeals_services.appeal_note_petition(
            appeal=petition.appeal, status=petition.status, deadline=petition.deadline
        )


def _subject(petition: Petition) -> Appeal | Case:
    return petition.appeal if petition.appeal_id else petition.case


@transaction.atomic
def do_apply_petition_status(
    *, case_id: str, status: str, note: str = "", at: datetime | None = None, extended: bool = False, sender_id: str
) -> Petition:
    """The petition system's status webhook: moves the petition (its deadlines follow) and
    writes the linked appeal's or case's timeline. A replay (same sender id) changes nothing."""
    try:
        with transaction.atomic():
            InboundReceipt.objects.create(system=LinkedSystem.PETITION, sender_id=sender_id)
    except IntegrityError:
        return _by_external(case_id)
    petition = workflow.lock(_by_external(case_id), related=["appeal", "case"])
    at = at or timezone.now()
    changes: dict[str, Any] = {}
    if status == PetitionStatus.ACCEPTED:
        changes = {"accepted_at": at, "reply_due_at": at + _days(settings.PETITION_REPLY_DAYS)}
    elif status == PetitionStatus.REPLIED:
        changes = {"replied_at": at, "review_due_at": at + _days(settings.PETITION_REVIEW_REQUEST_DAYS)}
    if extended and not petition.extended and petition.reply_due_at:
        changes.update(extended=True, reply_due_at=petition.reply_due_at + _days(settings.PETITION_EXTENSION_DAYS))
    if status == petition.status:
        if changes:  # an extension announced without a move
            Petition.objects.filter(pk=petition.pk).update(**changes)
            for name, value in changes.items():
                setattr(petition, name, value)
            workflow.record(petition, "extended", note=note, at=at)
            _show_on_appeal(petition)
        return petition
    workflow.transition(petition, status, note=note, at=at, changes=changes)
    _show_on_appeal(petition)
    subject = _subject(petition)
    workflow.record(subject, f"petition_{status}", note=note, at=at, details={"petition": petition.case_id_external})
    resident = getattr(subject, "submitter", None)
    if resident is not None:
        notify(event="petition_status", users=[resident], context={**_context(petition, subject), "note": note})
    return petition


def _by_external(case_id: str) -> Petition:
    if not (case_id.startswith("YDP") and case_id[3:].isdigit()):
        raise NotFound(Msg("未找到该信访件。", "No such petition."), code="unknown_case")
    petition = Petition.objects.filter(pk=int(case_id[3:])).first()
    if petition is None:
        raise NotFound(Msg("未找到该信访件。", "No such petition."), code="unknown_case")
    return petition


# --- deadlines ---------------------------------------------------------------------------

DEADLINES = {
    # warning key: (deadline field, states in which it runs)
    "accept": ("accept_due_at", {PetitionStatus.HANDED_OVER}),
    "reply": ("reply_due_at", {PetitionStatus.ACCEPTED, PetitionStatus.HANDLING}),
    "review": ("review_due_at", {PetitionStatus.REPLIED}),
}


WARN_LABELS = {"accept": "受理", "reply": "答复", "review": "复查申请"}


def enforce_deadlines(*, now: datetime | None = None) -> int:
    """Warn once per deadline, `PETITION_WARN_DAYS` before it: the handling unit's staff for
    accept and reply (so they can press the petition office), the resident for review (the
    last day they may ask for one). Safe to run twice at once: each petition is locked."""
    now = now or timezone.now()
    soon = now + _days(settings.PETITION_WARN_DAYS)
    warned = 0
    for key, (field, states) in DEADLINES.items():
        due = Petition.objects.filter(status__in=states, **{f"{field}__lte": soon}).exclude(warned__contains=f"|{key}|")
        for pk in list(due.values_list("pk", flat=True)[:500]):
            with transaction.atomic():
                petition = Petition.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
                if petition is None or f"|{key}|" in petition.warned or petition.status not in states:
                    continue
                Petition.objects.filter(pk=pk).update(warned=(petition.warned or "|") + f"{key}|")
                workflow.record(
                    petition, f"warn_{key}", at=now, details={"due_at": getattr(petition, field).isoformat()}
                )
                _warn(petition, key, getattr(petition, field))
                warned += 1
    return warned


def _warn(petition: Petition, key: str, due_at: datetime) -> None:
    subject = _subject(petition)
    context = {
        **_context(petition, subject),
        "due": timezone.localtime(due_at).strftime("%Y-%m-%d"),
        "which": WARN_LABELS[key],
    }
    if key == "review":
        resident = getattr(subject, "submitter", None)
        if resident is not None:
            notify(event="petition_review_deadline", users=[resident], context=context)
        return
    unit = GridUnit.objects.get(path=petition.grid_path)
    notify(event="petition_deadline", users=people_over(unit=unit, roles=HANDLER_ROLES), context=context)

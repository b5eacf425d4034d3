"""Every write on appeals: one function per use case. Each checks who may act, locks the
appeal, moves it along Appeal.TRANSITIONS, writes the timeline row (and, for a hotline
appeal, the outbox row for the 12345 platform) and notifies, all in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from backend.crypto import lookup_digest
from backend.errors import Conflict, InvalidInput, PayloadTooLarge, PermissionDenied
from backend.messages import Msg
from backend.statemachine import apply_transition
from grids.models import GridLevel, GridUnit
from grids.roles import HANDLER_ROLES
from grids.scope import in_reach
from grids.selectors import district, unit_by_code
from mediation import services as mediation_services
from notifications.services import notify
from residents.models import User

from . import images
from .deadlines import due_dates
from .models import (
    OPEN_STATUSES,
    REPLY_STATUSES,
    Appeal,
    AppealAttachment,
    AppealEvent,
    AppealNumberCounter,
    AppealStatus,
    HotlineSync,
    Source,
)
from .selectors import handling_unit_for, home_of

S = AppealStatus
SYSTEM_BATCH = 200

# --- attachments -------------------------------------------------------------------------


@transaction.atomic
def attachment_upload(*, actor: User, file: Any) -> AppealAttachment:
    """Store a checked photo without its EXIF location; its owner's alone until linked."""
    if file.size > settings.UPLOAD_MAX_BYTES:
        raise PayloadTooLarge(
            Msg("图片不能超过 {mb} MB。", "An image may be at most {mb} MB.").format(
                mb=settings.UPLOAD_MAX_BYTES // (1024 * 1024)
            ),
            fields={"file": ["too large"]},
        )
    clean = images.clean_image(file)
    today = timezone.localdate()
    name = default_storage.save(f"appeals/{today:%Y/%m}/{uuid.uuid4().hex}.{clean.extension}", ContentFile(clean.data))
    try:
        return AppealAttachment.objects.create(
            owner=actor,
            file=name,
            content_type=clean.content_type,
            size=len(clean.data),
            width=clean.width,
            height=clean.height,
        )
    except Exception:
        default_storage.delete(name)
        raise


def _link_attachments(*, appeal: Appeal, actor: User, ids: Sequence[int]) -> None:
    ids = list(dict.fromkeys(ids))
    if not ids:
        return
    if len(ids) > settings.APPEAL_MAX_ATTACHMENTS:
        raise InvalidInput(
            Msg("最多上传 {n} 张图片。", "At most {n} images.").format(n=settings.APPEAL_MAX_ATTACHMENTS),
            code="too_many_attachments",
            fields={"attachments": ["too many"]},
        )
    rows = list(AppealAttachment.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(rows) != len(ids) or any(r.owner_id != actor.pk or r.appeal_id is not None for r in rows):
        raise InvalidInput(
            Msg("图片无效或已被使用。", "An attachment is unknown, not yours, or already used."),
            code="invalid_attachment",
            fields={"attachments": ["unknown, not yours, or already used"]},
        )
    AppealAttachment.objects.filter(pk__in=ids).update(appeal=appeal)


# --- helpers -----------------------------------------------------------------------------


def next_number(now: datetime) -> str:
    """SQ20261125-000123: the local day and that day's next sequence number.

    One upsert bumps the day's counter row and returns the value; the row lock it takes
    serialises concurrent submissions until their transactions end (PostgreSQL and SQLite).
    """
    day = timezone.localtime(now).date()
    table = connection.ops.quote_name(AppealNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        (seq,) = cursor.fetchone()
    return f"{settings.APPEAL_NUMBER_PREFIX}{day:%Y%m%d}-{seq:06d}"


def _lock(appeal: Appeal) -> Appeal:
    return (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("handling_grid__parent", "grid", "submitter")
        .get(pk=appeal.pk)
    )


def _record(
    appeal: Appeal,
    *,
    action: str,
    actor: User | None,
    before: str,
    after: str,
    at: datetime,
    note: str = "",
    from_grid: GridUnit | None = None,
    to_grid: GridUnit | None = None,
    transition: bool = False,
) -> AppealEvent:
    """The timeline row; a transition of a hotline appeal also goes to the platform's outbox."""
    event = AppealEvent.objects.create(
        appeal=appeal,
        action=action,
        actor=actor,
        from_status=before,
        to_status=after,
        note=note,
        at=at,
        from_grid=from_grid,
        to_grid=to_grid,
    )
    if transition and appeal.hotline_order_id:
        _hotline_outbox(appeal, event)
    return event


def _transition(
    appeal: Appeal,
    action: str,
    *,
    actor: User | None,
    at: datetime,
    note: str = "",
    fields: Sequence[str] = (),
    from_grid: GridUnit | None = None,
    to_grid: GridUnit | None = None,
) -> AppealEvent:
    """Apply `action` (409 when the table forbids it), save `fields` with it, write the timeline."""
    before, after = apply_transition(appeal, action, update_fields=[*fields, "updated_at"])
    return _record(
        appeal,
        action=action,
        actor=actor,
        before=before,
        after=after,
        at=at,
        note=note,
        from_grid=from_grid,
        to_grid=to_grid,
        transition=True,
    )


def _hotline_outbox(appeal: Appeal, event: AppealEvent) -> None:
    """The status change goes to the 12345 platform once this transaction commits."""
    HotlineSync.objects.create(
        appeal=appeal,
        order_id=appeal.hotline_order_id,
        status=event.to_status,
        note=event.note,
        at=event.at,
        next_attempt_at=event.at,
    )
    order_id = appeal.hotline_order_id

    def enqueue() -> None:
        from .tasks import send_hotline_sync

        send_hotline_sync.delay(order_id)

    # robust: a broker that is down must not fail the request; the sweeper sends it later.
    transaction.on_commit(enqueue, robust=True)


def _ensure_handler(actor: User, appeal: Appeal) -> None:
    if not in_reach(actor, appeal.handling_grid, HANDLER_ROLES):
        raise PermissionDenied(
            Msg("只有承办网格的工作人员可以办理。", "Only the handling unit's staff may do this."), code="not_handler"
        )


def _ensure_submitter(actor: User, appeal: Appeal) -> None:
    if appeal.submitter_id is None or appeal.submitter_id != actor.pk:
        raise PermissionDenied(Msg("只有提交人可以这样做。", "Only the submitter may do this."), code="not_submitter")


def _context(appeal: Appeal, event: AppealEvent | None = None) -> dict[str, Any]:
    return {
        "appeal_id": appeal.pk,
        "number": appeal.number,
        "title": appeal.title,
        "category": appeal.get_category_display(),
        "status": appeal.get_status_display(),
        "grid_name": appeal.handling_grid.name,
        "note": event.note if event else "",
        "at": timezone.localtime(event.at if event else appeal.created_at).strftime("%Y-%m-%d %H:%M"),
        "due_at": timezone.localtime(appeal.due_at).strftime("%Y-%m-%d %H:%M"),
        "accept_due_at": timezone.localtime(appeal.accept_due_at).strftime("%Y-%m-%d %H:%M"),
    }


def _handlers_at(unit: GridUnit) -> QuerySet[User]:
    """The people holding a handler role at the unit itself (its grid workers, its staff)."""
    return User.objects.filter(assignments__unit=unit, assignments__role__in=HANDLER_ROLES).distinct()


def _tell_submitter(appeal: Appeal, event_name: str, event: AppealEvent) -> None:
    """The submitter hears of every change they did not make themselves (hotline callers hear
    through the platform instead)."""
    if appeal.submitter_id and appeal.submitter_id != event.actor_id:
        notify(
            event=event_name, users=[appeal.submitter], context=_context(appeal, event), channels={"inbox", "subscribe"}
        )


def _tell_unit(appeal: Appeal, event_name: str, event: AppealEvent | None = None) -> None:
    """The handling unit's group chat and its handlers' inboxes."""
    notify(
        event=event_name,
        users=_handlers_at(appeal.handling_grid),
        grid=appeal.handling_grid,
        context=_context(appeal, event),
        channels={"inbox", "group_chat"},
    )


def _tell_handler(appeal: Appeal, event_name: str, event: AppealEvent) -> None:
    """The submitter acted: whoever took the appeal on hears of it, else the handling unit."""
    if appeal.accepted_by_id:
        notify(event=event_name, users=[appeal.accepted_by], context=_context(appeal, event), channels={"inbox"})
    else:
        _tell_unit(appeal, event_name, event)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# --- submitting --------------------------------------------------------------------------


def _place(actor: User, grid: GridUnit | None) -> GridUnit:
    """The unit the appeal is about: the one named (a resident: inside their community; a
    handler: inside their reach), else the resident's home."""
    home = home_of(actor)
    if grid is None:
        if home is None:
            raise InvalidInput(
                Msg("请先登记居住地，或选择诉求所在网格。", "Register your residence or name the grid."),
                code="residence_required",
                fields={"grid": ["required without a residence"]},
            )
        return home
    # ancestor_paths: district, street, community, ... : a resident's own community is index 2.
    own_community = home is not None and grid.path.startswith(home.ancestor_paths[min(2, home.depth)])
    if not (own_community or in_reach(actor, grid, HANDLER_ROLES)):
        raise InvalidInput(
            Msg("只能就本社区或您负责的网格提交诉求。", "Name a unit in your community or your area."),
            code="grid_out_of_reach",
            fields={"grid": ["outside your community or area"]},
        )
    return grid


def _new_appeal(*, place: GridUnit, category: str, now: datetime, **fields: Any) -> Appeal:
    handling = handling_unit_for(place)
    accept_due_at, due_at = due_dates(category=category, level=handling.level, start=now)
    appeal = Appeal(
        number=next_number(now),
        category=category,
        accept_due_at=accept_due_at,
        due_at=due_at,
        created_at=now,
        **fields,
    )
    appeal.set_grid(place)
    appeal.set_handling_grid(handling)
    appeal.save(force_insert=True)
    return appeal


@transaction.atomic
def appeal_submit(
    *,
    actor: User,
    category: str,
    title: str,
    description: str,
    grid: GridUnit | None = None,
    address: str = "",
    location: dict[str, Decimal] | None = None,
    attachments: Sequence[int] = (),
    is_public: bool = False,
    now: datetime | None = None,
) -> Appeal:
    now = _now(now)
    appeal = _new_appeal(
        place=_place(actor, grid),
        category=category,
        now=now,
        source=Source.MINIPROGRAM,
        submitter=actor,
        title=title,
        description=description,
        address=address,
        latitude=location["lat"] if location else None,
        longitude=location["lng"] if location else None,
        is_public=is_public,
    )
    _link_attachments(appeal=appeal, actor=actor, ids=attachments)
    event = _record(appeal, action="submit", actor=actor, before="", after=appeal.status, at=now)
    _tell_unit(appeal, "appeal_submitted", event)
    return appeal


# --- handling ----------------------------------------------------------------------------


def _handler_step(
    *,
    appeal: Appeal,
    actor: User,
    action: str,
    event_name: str,
    stamp: str,
    now: datetime | None,
    note: str = "",
    **changes: Any,
) -> Appeal:
    """A handler's transition: lock, check, stamp the time (`stamp` field) and `changes`, move
    along the table, write the timeline, tell the submitter."""
    now = _now(now)
    appeal = _lock(appeal)
    _ensure_handler(actor, appeal)
    for field, value in {stamp: now, **changes}.items():
        setattr(appeal, field, value)
    event = _transition(appeal, action, actor=actor, at=now, note=note, fields=[stamp, *changes])
    _tell_submitter(appeal, event_name, event)
    return appeal


@transaction.atomic
def appeal_accept(*, appeal: Appeal, actor: User, now: datetime | None = None) -> Appeal:
    return _handler_step(
        appeal=appeal,
        actor=actor,
        action="accept",
        event_name="appeal_accepted",
        stamp="accepted_at",
        now=now,
        accepted_by=actor,
    )


@transaction.atomic
def appeal_reply(*, appeal: Appeal, actor: User, content: str, now: datetime | None = None) -> Appeal:
    """A message on the timeline from a handler or the submitter; no change of state."""
    now = _now(now)
    appeal = _lock(appeal)
    from_submitter = appeal.submitter_id is not None and appeal.submitter_id == actor.pk
    if not from_submitter:
        _ensure_handler(actor, appeal)
    if appeal.status not in REPLY_STATUSES:
        raise Conflict(Msg("诉求已结束，不能再回复。", "This appeal is finished."), code="appeal_finished")
    Appeal.objects.filter(pk=appeal.pk).update(updated_at=now)
    event = _record(
        appeal, action="reply", actor=actor, before=appeal.status, after=appeal.status, at=now, note=content
    )
    if from_submitter:
        _tell_handler(appeal, "appeal_submitter_replied", event)
    else:
        _tell_submitter(appeal, "appeal_replied", event)
    return appeal


@transaction.atomic
def appeal_resolve(*, appeal: Appeal, actor: User, content: str, now: datetime | None = None) -> Appeal:
    return _handler_step(
        appeal=appeal,
        actor=actor,
        action="resolve",
        event_name="appeal_resolved",
        stamp="resolved_at",
        now=now,
        note=content,
    )


@transaction.atomic
def appeal_reject(*, appeal: Appeal, actor: User, reason: str, now: datetime | None = None) -> Appeal:
    return _handler_step(
        appeal=appeal,
        actor=actor,
        action="reject",
        event_name="appeal_rejected",
        stamp="closed_at",
        now=now,
        note=reason,
    )


def _escalate(appeal: Appeal, *, actor: User | None, reason: str, now: datetime) -> AppealEvent:
    """One level up (grid -> community -> street -> district), back to `submitted` there, with
    fresh deadlines for the new level. `appeal` is locked, with handling_grid.parent loaded."""
    source = appeal.handling_grid
    target = source.parent
    if target is None or source.level == GridLevel.DISTRICT:
        raise Conflict(Msg("已在区级办理，无法再上报。", "The district is the top level."), code="cannot_escalate")
    appeal.set_handling_grid(target)
    appeal.accept_due_at, appeal.due_at = due_dates(category=appeal.category, level=target.level, start=now)
    appeal.escalations, appeal.left_grid = appeal.escalations + 1, True
    appeal.is_overdue, appeal.overdue_at = False, None
    appeal.accepted_by, appeal.accepted_at = None, None
    event = _transition(
        appeal,
        "escalate",
        actor=actor,
        at=now,
        note=reason,
        from_grid=source,
        to_grid=target,
        fields=[
            "handling_grid",
            "handling_path",
            "level",
            "accept_due_at",
            "due_at",
            "escalations",
            "left_grid",
            "is_overdue",
            "overdue_at",
            "accepted_by",
            "accepted_at",
        ],
    )
    _tell_submitter(appeal, "appeal_escalated", event)
    _tell_unit(appeal, "appeal_escalated_in", event)
    return event


@transaction.atomic
def appeal_escalate(*, appeal: Appeal, actor: User, reason: str, now: datetime | None = None) -> Appeal:
    appeal = _lock(appeal)
    _ensure_handler(actor, appeal)
    _escalate(appeal, actor=actor, reason=reason, now=_now(now))
    return appeal


@transaction.atomic
def appeal_to_mediation(*, appeal: Appeal, actor: User, now: datetime | None = None) -> Appeal:
    """Hand a dispute to the mediation app (its seam `case_open_from_appeal`) and keep the
    case's id on the appeal."""
    now = _now(now)
    appeal = _lock(appeal)
    _ensure_handler(actor, appeal)
    if appeal.mediation_case_id is not None:
        raise Conflict(Msg("该诉求已转入调解。", "This appeal is already in mediation."), code="already_in_mediation")
    if appeal.accepted_by_id is None:
        appeal.accepted_by, appeal.accepted_at = actor, now
    before, after = apply_transition(appeal, "to_mediation", update_fields=["accepted_by", "accepted_at", "updated_at"])
    case = mediation_services.case_open_from_appeal(appeal=appeal, actor=actor)
    appeal.mediation_case_id = case.pk
    appeal.save(update_fields=["mediation_case_id"])
    event = _record(
        appeal,
        action="to_mediation",
        actor=actor,
        before=before,
        after=after,
        at=now,
        note=f"调解案件 #{case.pk}",
        transition=True,
    )
    _tell_submitter(appeal, "appeal_to_mediation", event)
    return appeal


# --- the submitter -----------------------------------------------------------------------


@transaction.atomic
def appeal_reopen(*, appeal: Appeal, actor: User, reason: str, now: datetime | None = None) -> Appeal:
    now = _now(now)
    appeal = _lock(appeal)
    _ensure_submitter(actor, appeal)
    window = timedelta(days=settings.APPEAL_REOPEN_DAYS)
    if appeal.status == S.RESOLVED and appeal.resolved_at and now - appeal.resolved_at > window:
        raise Conflict(
            Msg("办结已超过 {d} 天，不能再重新打开。", "More than {d} days since it was resolved.").format(
                d=settings.APPEAL_REOPEN_DAYS
            ),
            code="reopen_window_closed",
        )
    appeal.resolved_at = None
    event = _transition(appeal, "reopen", actor=actor, at=now, note=reason, fields=["resolved_at"])
    _tell_handler(appeal, "appeal_reopened", event)
    return appeal


@transaction.atomic
def appeal_rate(*, appeal: Appeal, actor: User, score: int, comment: str = "", now: datetime | None = None) -> Appeal:
    now = _now(now)
    appeal = _lock(appeal)
    _ensure_submitter(actor, appeal)
    if appeal.score is not None:
        raise Conflict(Msg("已经评价过了。", "This appeal is already rated."), code="already_rated")
    appeal.score, appeal.rating_comment, appeal.rated_at, appeal.closed_at = score, comment, now, now
    event = _transition(
        appeal,
        "rate",
        actor=actor,
        at=now,
        note=f"{score}/5 {comment}".strip(),
        fields=["score", "rating_comment", "rated_at", "closed_at"],
    )
    _tell_handler(appeal, "appeal_rated", event)
    return appeal


# --- the 12345 hotline -------------------------------------------------------------------


@dataclass(frozen=True)
class HotlineOrder:
    order_id: str
    category: str
    title: str
    description: str
    address: str = ""
    grid_code: str = ""
    phone: str = ""
    created_at: datetime | None = None


@transaction.atomic
def hotline_order_receive(*, order: HotlineOrder, now: datetime | None = None) -> tuple[Appeal, bool]:
    """An appeal for a 12345 work order (the caller has checked the platform's signature).

    Idempotent on order_id through the unique constraint: a replay, even a concurrent one,
    returns the appeal made the first time and False.
    """
    now = _now(now)
    existing = Appeal.objects.filter(hotline_order_id=order.order_id).first()
    if existing is not None:
        return existing, False
    place = (unit_by_code(order.grid_code) if order.grid_code else None) or district()
    if place is None:
        raise InvalidInput(Msg("尚未建立网格。", "No grid units exist yet."), code="no_district")
    try:
        with transaction.atomic():
            appeal = _new_appeal(
                place=place,
                category=order.category,
                now=now,
                source=Source.HOTLINE,
                title=order.title,
                description=order.description,
                address=order.address,
                hotline_order_id=order.order_id,
                contact_phone=order.phone,
                contact_phone_digest=lookup_digest(order.phone) if order.phone else "",
                reported_at=order.created_at,
            )
    except IntegrityError:
        existing = Appeal.objects.filter(hotline_order_id=order.order_id).first()
        if existing is None:
            raise
        return existing, False
    event = _record(
        appeal, action="submit", actor=None, before="", after=appeal.status, at=now, note=f"12345工单 {order.order_id}"
    )
    _tell_unit(appeal, "appeal_submitted", event)
    return appeal, True


# --- deadlines (the periodic task) -------------------------------------------------------


def _system_batches(rows: QuerySet[Appeal], handle: Any) -> int:
    """Lock and handle matching appeals in pk order, a batch per transaction, skipping rows a
    concurrent run holds: two runs at once share the work and nothing is handled twice."""
    done, last_pk = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                rows.filter(pk__gt=last_pk)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("handling_grid__parent", "grid", "submitter", "accepted_by")
                .order_by("pk")[:SYSTEM_BATCH]
            )
            for appeal in batch:
                handle(appeal)
        done += len(batch)
        if len(batch) < SYSTEM_BATCH:
            return done
        last_pk = batch[-1].pk


def deadlines_enforce(*, now: datetime | None = None) -> dict[str, int]:
    """Escalate appeals not accepted in time (up to the district), flag overdue ones, and close
    resolved ones left unrated. Running it again, or twice at once, changes nothing more."""
    now = _now(now)

    def escalate(appeal: Appeal) -> None:
        _escalate(appeal, actor=None, reason="超时未受理，系统自动上报", now=now)

    def flag(appeal: Appeal) -> None:
        appeal.is_overdue, appeal.overdue_at = True, now
        appeal.save(update_fields=["is_overdue", "overdue_at", "updated_at"])
        event = _record(
            appeal, action="overdue", actor=None, before=appeal.status, after=appeal.status, at=now, note="已超期"
        )
        _tell_unit(appeal, "appeal_overdue", event)

    def close(appeal: Appeal) -> None:
        appeal.closed_at = now
        event = _transition(appeal, "autoclose", actor=None, at=now, note="逾期未评价，自动关闭", fields=["closed_at"])
        _tell_submitter(appeal, "appeal_closed", event)

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

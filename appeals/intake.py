"""An appeal arrives: from a resident or handler in the mini-program, or as a 12345 work order.
Either way it gets its number, its place, its handling unit and deadlines, its first timeline
row, and the handling unit hears of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from backend.crypto import lookup_digest
from backend.errors import InvalidInput
from backend.messages import Msg
from grids.models import GridUnit
from grids.roles import HANDLER_ROLES
from grids.scope import in_reach
from grids.selectors import district, unit_by_code
from residents.models import User

from . import events, figures
from .attachments import link_attachments
from .clock import due_dates
from .models import Appeal, AppealNumberCounter, Source
from .selectors import handling_unit_for, home_of, with_known_rows


def next_number(now: datetime) -> str:
    """SQ20261125-000123: the local day and that day's next sequence number.

    One upsert bumps the day's counter row and returns the value (PostgreSQL and SQLite).
    Callers take it before their transaction opens, so the upsert is a statement of its own in
    autocommit and the day's row is locked for that statement only; inside a transaction the
    row would stay locked until commit and every submission in the district would wait in line.
    The number is spent even if the submission then fails: numbers are unique, may have gaps.
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


def _place(actor: User, grid: GridUnit | None) -> GridUnit:
    """The unit the appeal is about: the one named (a resident: inside their community; a
    handler: inside their reach), else the resident's home."""
    home = home_of(actor)
    if grid is None:
        if home is None:
            raise InvalidInput(
                Msg("请先登记居住地，或选择诉求所在网格。", "Register your residence or name the grid."),
                code="residence_required",
                fields={"grid": [Msg("未登记住址时必填。", "required without a residence")]},
            )
        return home
    # ancestor_paths: district, street, community, ... : a resident's own community is index 2.
    own_community = home is not None and grid.path.startswith(home.ancestor_paths[min(2, home.depth)])
    if not (own_community or in_reach(actor, grid, HANDLER_ROLES)):
        raise InvalidInput(
            Msg("只能就本社区或您负责的网格提交诉求。", "Name a unit in your community or your area."),
            code="grid_out_of_reach",
            fields={"grid": [Msg("不在您的社区或辖区内。", "outside your community or area")]},
        )
    return grid


def _new_appeal(
    *, place: GridUnit, handling: GridUnit, number: str, category: str, now: datetime, **fields: Any
) -> Appeal:
    accept_due_at, due_at = due_dates(category=category, level=handling.level, start=now)
    appeal = Appeal(
        number=number,
        category=category,
        accept_due_at=accept_due_at,
        due_at=due_at,
        created_at=now,
        **fields,
    )
    appeal.set_grid(place)
    appeal.set_handling_grid(handling)
    appeal.is_repeat = figures.repeat_test(appeal)  # stored once, so the dashboard counts a column
    appeal.save(force_insert=True)
    return appeal


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
    """A resident's or handler's appeal. The transaction holds only the appeal's own rows
    (appeal, photos linked, timeline row, notification rows); its place is read and its number
    taken before it opens, and sending happens after commit (notify's on_commit)."""
    now = events.now_or(now)
    place = _place(actor, grid)
    handling = handling_unit_for(place)
    number = next_number(now)
    with transaction.atomic():
        appeal = _new_appeal(
            place=place,
            handling=handling,
            number=number,
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
        photos = link_attachments(appeal=appeal, actor=actor, ids=attachments)
        event = events.note(appeal, "submit", actor=actor, before="", at=now)
        events.tell_unit(appeal, "appeal_submitted", event)
    return with_known_rows(appeal, timeline=[event], attachments=photos)


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


def hotline_order_receive(*, order: HotlineOrder, now: datetime | None = None) -> tuple[Appeal, bool]:
    """An appeal for a 12345 work order (the caller has checked the platform's signature).

    Idempotent on order_id through the unique constraint: a replay, even a concurrent one,
    returns the appeal made the first time and False (a concurrent replay spends a number).
    Like `appeal_submit`, the number is taken before the transaction opens.
    """
    now = events.now_or(now)
    existing = Appeal.objects.filter(hotline_order_id=order.order_id).first()
    if existing is not None:
        return existing, False
    place = (unit_by_code(order.grid_code) if order.grid_code else None) or district()
    if place is None:
        raise InvalidInput(Msg("尚未建立网格。", "No grid units exist yet."), code="no_district")
    handling = handling_unit_for(place)
    number = next_number(now)
    try:
        with transaction.atomic():
            appeal = _new_appeal(
                place=place,
                handling=handling,
                number=number,
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
            event = events.note(appeal, "submit", actor=None, before="", at=now, text=f"12345工单 {order.order_id}")
            events.tell_unit(appeal, "appeal_submitted", event)
    except IntegrityError:
        existing = Appeal.objects.filter(hotline_order_id=order.order_id).first()
        if existing is None:
            raise
        return existing, False
    return appeal, True

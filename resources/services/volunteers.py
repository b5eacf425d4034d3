"""中原义警队: registration and approval, shifts with geofenced clock-in/out, tips."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from appeals import services as appeals_services
from backend import workflow
from backend.errors import Conflict, InvalidInput, PermissionDenied
from backend.messages import Msg
from grids.models import GridUnit
from grids.roles import HANDLER_ROLES, STAFF_ROLES
from grids.scope import ensure_in_reach, is_within
from grids.selectors import people_over
from mediation import services as mediation_services
from notifications.services import notify
from residents.models import User

from ..models import Shift, Station, Tip, Volunteer
from .stations import Location, _ensure_near, at_point


def _context(volunteer: Volunteer, **extra: Any) -> dict[str, Any]:
    return {
        "volunteer_id": volunteer.pk,
        "kind": volunteer.get_kind_display(),
        "grid_name": volunteer.grid.name,
        **extra,
    }


@transaction.atomic
def do_register_volunteer(*, actor: User, kind: str, grid: GridUnit) -> Volunteer:
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(user=actor, kind=kind, grid=grid, grid_path=grid.path)
    except IntegrityError as error:
        raise Conflict(
            Msg("您已在该网格报名。", "You have registered in this unit already."), code="already_registered"
        ) from error
    workflow.record(volunteer, "register", actor=actor, after=volunteer.status)
    notify(
        event="volunteer_registered",
        users=people_over(unit=grid, roles=STAFF_ROLES),
        grid=grid,
        context=_context(volunteer),
    )
    return volunteer


def _decide(volunteer: Volunteer, action: str, *, actor: User, note: str) -> Volunteer:
    volunteer = workflow.lock(volunteer, related=["grid", "user"])
    ensure_in_reach(actor, volunteer.grid, STAFF_ROLES)
    workflow.transition(volunteer, action, actor=actor, note=note)
    event = {"approve": "volunteer_approved", "reject": "volunteer_rejected"}[action]
    notify(event=event, users=[volunteer.user], context=_context(volunteer, note=note))
    return volunteer


@transaction.atomic
def do_approve_volunteer(*, volunteer: Volunteer, actor: User, note: str = "") -> Volunteer:
    return _decide(volunteer, "approve", actor=actor, note=note)


@transaction.atomic
def do_reject_volunteer(*, volunteer: Volunteer, actor: User, note: str = "") -> Volunteer:
    return _decide(volunteer, "reject", actor=actor, note=note)


def _volunteership(actor: User, grid: GridUnit) -> Volunteer:
    """The caller's approved registration whose unit covers `grid`."""
    for volunteer in Volunteer.objects.filter(user=actor, status=Volunteer.Status.APPROVED).select_related("grid"):
        if is_within(grid, volunteer.grid):
            return volunteer
    raise PermissionDenied(
        Msg("只有该网格已批准的义警队员可以这样做。", "Only an approved volunteer of this unit may do this."),
        code="not_volunteer",
    )


@transaction.atomic
def do_create_shift(
    *, actor: User, grid: GridUnit, starts_at: datetime, ends_at: datetime, location: Location | None = None
) -> Shift:
    """A shift at a place: the one given, else the unit's first station (the geofence's centre)."""
    volunteer = _volunteership(actor, grid)
    if ends_at <= starts_at or ends_at - starts_at > timedelta(hours=settings.SHIFT_MAX_HOURS):
        raise InvalidInput(
            Msg("班次时间无效（最长 {h} 小时）。", "A shift lasts up to {h} hours.").format(h=settings.SHIFT_MAX_HOURS),
            code="bad_period",
            fields={"ends_at": [Msg("无效。", "invalid")]},
        )
    if location is None:
        station = (
            Station.objects.filter(grid_path__startswith=grid.path, active=True, latitude__isnull=False)
            .order_by("pk")
            .first()
        )
        if station is None:
            raise InvalidInput(
                Msg("请指定上岗地点。", "Name where the shift takes place."),
                code="location_required",
                fields={"location": [Msg("必填：该单位没有服务站。", "required: the unit has no station")]},
            )
        location = {"lat": station.latitude, "lng": station.longitude}
    shift = Shift.objects.create(
        volunteer=volunteer,
        grid=grid,
        grid_path=grid.path,
        starts_at=starts_at,
        ends_at=ends_at,
        **at_point(location),
    )
    workflow.record(shift, "plan", actor=actor, after=shift.status)
    return shift


def _own_shift(shift: Shift, actor: User, action: str) -> Shift:
    """The shift locked, once it is the actor's own (403) and `action` is allowed now (409)."""
    shift = workflow.lock(shift, related=["volunteer"])
    if shift.volunteer.user_id != actor.pk:
        raise PermissionDenied(
            Msg("只能为自己的班次打卡。", "Clock in and out of your own shifts."), code="not_your_shift"
        )
    workflow.check(shift, action)
    return shift


@transaction.atomic
def do_clock_in_shift(*, shift: Shift, actor: User, location: Location, now: datetime | None = None) -> Shift:
    now = now or timezone.now()
    shift = _own_shift(shift, actor, "clock_in")
    early = timedelta(minutes=settings.SHIFT_GRACE_MINUTES)
    if not (shift.starts_at - early <= now <= shift.ends_at):
        raise InvalidInput(Msg("不在班次时间内。", "Not within the shift's time."), code="outside_shift")
    distance = _ensure_near(location, shift.latitude, shift.longitude, settings.SHIFT_GEOFENCE_M)
    workflow.transition(
        shift, "clock_in", actor=actor, at=now, changes={"clock_in_at": now}, details={"distance_m": distance}
    )
    return shift


@transaction.atomic
def do_clock_out_shift(*, shift: Shift, actor: User, location: Location, now: datetime | None = None) -> Shift:
    """Service time runs from clock-in to clock-out, at most to the planned end plus grace."""
    now = now or timezone.now()
    shift = _own_shift(shift, actor, "clock_out")
    distance = _ensure_near(location, shift.latitude, shift.longitude, settings.SHIFT_GEOFENCE_M)
    until = min(now, shift.ends_at + timedelta(minutes=settings.SHIFT_GRACE_MINUTES))
    minutes = max(0, int((until - shift.clock_in_at).total_seconds() // 60))
    workflow.transition(
        shift,
        "clock_out",
        actor=actor,
        at=now,
        changes={"clock_out_at": now, "minutes": minutes},
        details={"distance_m": distance, "minutes": minutes},
    )
    return shift


@transaction.atomic
def do_create_tip(*, actor: User, grid: GridUnit, description: str, location: Location | None = None) -> Tip:
    volunteer = _volunteership(actor, grid)
    tip = Tip.objects.create(
        volunteer=volunteer,
        grid=grid,
        grid_path=grid.path,
        description=description,
        **at_point(location),
    )
    notify(
        event="tip_received",
        users=people_over(unit=grid, roles=HANDLER_ROLES),
        grid=grid,
        context=_context(volunteer, description=description[:200]),
    )
    return tip


@transaction.atomic
def do_convert_tip(
    *,
    tip: Tip,
    actor: User,
    to: str,
    category: str,
    parties: Sequence[Any] = (),
) -> Tip:
    """A handler of the tip's unit turns it into an appeal or a mediation case, once."""
    tip = Tip.objects.select_for_update().select_related("grid").get(pk=tip.pk)
    ensure_in_reach(actor, tip.grid, HANDLER_ROLES)
    if tip.appeal_id or tip.case_id:
        raise Conflict(Msg("该线索已处理。", "This tip was converted already."), code="already_converted")
    if to == "appeal":
        location = {"lat": Decimal(tip.latitude), "lng": Decimal(tip.longitude)} if tip.location else None
        tip.appeal = appeals_services.appeal_submit(
            actor=actor,
            category=category,
            title=f"义警线索：{tip.description[:40]}",
            description=tip.description,
            grid=tip.grid,
            location=location,
        )
    else:
        if not parties:
            raise InvalidInput(
                Msg("请填写纠纷当事人。", "Name the parties."),
                code="parties_required",
                fields={"parties": [Msg("转调解时必填。", "required for mediation")]},
            )
        tip.case = mediation_services.case_create(
            actor=actor, category=category, description=tip.description, parties=parties, grid=tip.grid
        )
    tip.save(update_fields=["appeal", "case"])
    return tip

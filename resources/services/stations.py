"""五港 stations: registry, reservations (no overlaps), grid workers' check-ins, patrol logs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from appeals import services as appeals_services
from appeals.models import Appeal, AppealAttachment
from backend.errors import Conflict, InvalidInput
from backend.geo import distance_m
from backend.messages import TOO_MANY, UNUSABLE_ATTACHMENTS, Msg
from grids.models import GridUnit
from grids.roles import HANDLER_ROLES, STAFF_ROLES
from grids.scope import ensure_in_reach
from residents.models import User

from ..models import Patrol, Reservation, Station, StationCheckIn

Location = dict[str, Decimal]


def at_point(location: Location | None) -> dict[str, Decimal | None]:
    """A Located model's columns for a point the client sent (none: unknown)."""
    return {"latitude": location["lat"] if location else None, "longitude": location["lng"] if location else None}


@transaction.atomic
def do_create_station(
    *, actor: User, grid: GridUnit, name: str,
    location: Location | None = None, hours: str = "", facilities: Sequence[str] = (),
) -> Station:
    ensure_in_reach(actor, grid, STAFF_ROLES)
    return Station.objects.create(
        grid=grid,
        grid_path=grid.path,
        name=name,
        hours=hours,
        facilities=list(facilities),
        **at_point(location),
    )


def _overlap() -> Conflict:
    return Conflict(Msg("该时段已被预约。", "That time is already reserved."), code="reservation_overlap")


@transaction.atomic
def do_create_reservation(
    *, station: Station, actor: User, starts_at: datetime, ends_at: datetime, purpose: str
) -> Reservation:
    """A slot of the station. On PostgreSQL the exclusion constraint decides between two
    concurrent overlapping requests; the check below only answers the common case early (and
    is what holds on the embedded SQLite, whose writes are serialised)."""
    ensure_in_reach(actor, station.grid, HANDLER_ROLES)
    if ends_at <= starts_at:
        raise InvalidInput(
            Msg("结束时间须晚于开始时间。", "The end must be after the start."),
            code="bad_period",
            fields={"ends_at": [Msg("早于 starts_at。", "before starts_at")]},
        )
    live = Reservation.objects.filter(station=station, cancelled_at__isnull=True)
    if live.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        raise _overlap()
    try:
        with transaction.atomic():
            return Reservation.objects.create(
                station=station, booked_by=actor, starts_at=starts_at, ends_at=ends_at, purpose=purpose
            )
    except IntegrityError as error:
        if "reservation_no_overlap" in str(error):
            raise _overlap() from error
        raise


def _ensure_near(point: Location, lat: Any, lng: Any, radius_m: float) -> int:
    if lat is None or lng is None:
        raise InvalidInput(Msg("该地点没有坐标。", "This place has no position."), code="no_position")
    distance = distance_m(point["lat"], point["lng"], lat, lng)
    if distance > radius_m:
        raise InvalidInput(
            Msg("距离过远（{d} 米），须在 {r} 米以内。", "Too far ({d} m); within {r} m please.").format(
                d=round(distance), r=round(radius_m)
            ),
            code="too_far",
            fields={"location": [Msg("相距 {m} 米。", "{m} m away").format(m=round(distance))]},
        )
    return round(distance)


@transaction.atomic
def do_check_in_station(*, station: Station, actor: User, location: Location) -> StationCheckIn:
    ensure_in_reach(actor, station.grid, HANDLER_ROLES)
    distance = _ensure_near(location, station.latitude, station.longitude, settings.STATION_CHECK_IN_RADIUS_M)
    return StationCheckIn.objects.create(
        station=station, worker=actor, **at_point(location), distance_m=distance
    )


def _own_photos(actor: User, ids: Sequence[int]) -> list[AppealAttachment]:
    ids = list(dict.fromkeys(ids))
    if len(ids) > settings.APPEAL_MAX_ATTACHMENTS:
        raise InvalidInput(
            Msg("最多上传 {n} 张图片。", "At most {n} images.").format(n=settings.APPEAL_MAX_ATTACHMENTS),
            code="too_many_attachments",
            fields={"photos": [TOO_MANY]},
        )
    rows = list(AppealAttachment.objects.filter(pk__in=ids, owner=actor, appeal__isnull=True))
    if len(rows) != len(ids):
        raise InvalidInput(
            Msg("图片无效或已被使用。", "A photo is unknown, not yours, or already used."),
            code="invalid_attachment",
            fields={"photos": [UNUSABLE_ATTACHMENTS]},
        )
    return rows


@transaction.atomic
def do_create_patrol(
    *,
    actor: User,
    grid: GridUnit,
    notes: str,
    location: Location | None = None,
    photos: Sequence[int] = (),
    appeal_category: str | None = None,
) -> Patrol:
    """A patrol log (photos uploaded through POST /attachments, so they lost their EXIF
    location already); with `appeal_category` it becomes an appeal in the same call."""
    ensure_in_reach(actor, grid, HANDLER_ROLES)
    rows = _own_photos(actor, photos)
    patrol = Patrol.objects.create(
        grid=grid,
        grid_path=grid.path,
        worker=actor,
        notes=notes,
        **at_point(location),
    )
    patrol.photos.set(rows)
    if appeal_category:
        patrol.appeal = do_patrol_to_appeal(patrol=patrol, actor=actor, category=appeal_category)
    return patrol


@transaction.atomic
def do_patrol_to_appeal(*, patrol: Patrol, actor: User, category: str, title: str = "") -> Appeal:
    patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
    ensure_in_reach(actor, patrol.grid, HANDLER_ROLES)
    if patrol.appeal_id is not None:
        raise Conflict(Msg("该巡查记录已转为诉求。", "This patrol log is an appeal already."), code="already_converted")
    location = patrol.location
    appeal = appeals_services.appeal_submit(
        actor=actor,
        category=category,
        title=title or f"巡查发现：{patrol.notes[:40]}",
        description=patrol.notes,
        grid=patrol.grid,
        location={"lat": patrol.latitude, "lng": patrol.longitude} if location else None,
        attachments=list(patrol.photos.values_list("pk", flat=True)),
        now=timezone.now(),
    )
    Patrol.objects.filter(pk=patrol.pk).update(appeal=appeal)
    patrol.appeal = appeal
    return appeal

"""三社联盟 providers: registration and verification, bookings, the monthly free quota."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NotRequired, TypedDict, Unpack

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from backend import workflow
from backend.errors import Conflict, InvalidInput, PermissionDenied
from backend.messages import REQUIRED, Msg
from grids.models import Assignment, GridUnit
from grids.roles import STAFF_ROLES
from grids.scope import ensure_in_reach, forget_reach, in_reach
from grids.selectors import people_over
from notifications.services import notify
from residents.models import User

from .. import selectors
from ..models import Booking, Provider


def _covering_unit(grids: Sequence[GridUnit]) -> GridUnit:
    """The lowest unit whose subtree holds every served unit: whose staff manage the provider."""
    if not grids:
        raise InvalidInput(
            Msg("请选择服务的网格。", "Name the units served."), code="grids_required", fields={"grids": [REQUIRED]}
        )
    common = grids[0].ancestor_paths
    for unit in grids[1:]:
        common = [p for p in common if p in set(unit.ancestor_paths)]
    return GridUnit.objects.get(path=common[-1])


class ProviderFields(TypedDict):
    """What a provider is registered with, the same whether staff register it or it applies."""

    kind: str
    name: str
    grids: Sequence[GridUnit]
    skills: NotRequired[Sequence[str]]
    hours: NotRequired[str]
    free_quota_per_month: NotRequired[int]
    contact: NotRequired[str]


def _new_provider(
    *, grids: Sequence[GridUnit], skills: Sequence[str] = (), contact: str = "", **fields: Any
) -> Provider:
    home = _covering_unit(grids)
    provider = Provider(home_grid=home, home_path=home.path, **fields)
    provider.set_skills(list(skills))
    provider.set_contact(contact)
    provider.save()
    provider.grids.set(grids)
    return provider


@transaction.atomic
def do_register_provider(*, actor: User, user: User | None = None, **fields: Unpack[ProviderFields]) -> Provider:
    """Staff of every served unit register a provider: verified at once."""
    for unit in fields["grids"]:
        ensure_in_reach(actor, unit, STAFF_ROLES)
    provider = _new_provider(user=user, **fields)
    workflow.record(provider, "register", actor=actor, after=provider.status)
    workflow.transition(provider, "verify", actor=actor)
    _grant_role(provider, actor)
    return provider


@transaction.atomic
def do_apply_provider(*, actor: User, **fields: Unpack[ProviderFields]) -> Provider:
    """A merchant or craftsman applies for themselves; the staff of the units are told."""
    if Provider.objects.filter(user=actor).exists():
        raise Conflict(Msg("您已提交过服务商申请。", "You have applied already."), code="already_applied")
    provider = _new_provider(user=actor, **fields)
    workflow.record(provider, "apply", actor=actor, after=provider.status)
    notify(
        event="provider_applied",
        users=people_over(unit=provider.home_grid, roles=STAFF_ROLES),
        grid=provider.home_grid,
        context=_provider_context(provider),
    )
    return provider


def _ensure_manager(actor: User, provider: Provider) -> None:
    ensure_in_reach(actor, provider.home_grid, STAFF_ROLES)


def _grant_role(provider: Provider, actor: User) -> None:
    """A verified provider's account holds its kind's role (merchant, craftsman, partner)."""
    if provider.user_id is None:
        return
    Assignment.objects.get_or_create(
        user_id=provider.user_id, unit=provider.home_grid, role=provider.kind, defaults={"assigned_by": actor}
    )
    forget_reach(provider.user)


@transaction.atomic
def do_verify_provider(*, provider: Provider, actor: User, note: str = "") -> Provider:
    provider = workflow.lock(provider)
    _ensure_manager(actor, provider)
    workflow.transition(provider, "verify", actor=actor, note=note)
    _grant_role(provider, actor)
    if provider.user_id:
        notify(event="provider_verified", users=[provider.user], context=_provider_context(provider))
    return provider


@transaction.atomic
def do_reject_provider(*, provider: Provider, actor: User, note: str = "") -> Provider:
    provider = workflow.lock(provider)
    _ensure_manager(actor, provider)
    workflow.transition(provider, "reject", actor=actor, note=note)
    if provider.user_id:
        notify(event="provider_rejected", users=[provider.user], context={**_provider_context(provider), "note": note})
    return provider


def _provider_context(provider: Provider) -> dict[str, Any]:
    return {"provider_id": provider.pk, "name": provider.name, "kind": provider.get_kind_display()}


# --- bookings ----------------------------------------------------------------------------


def _month_start(at: datetime) -> date:
    return timezone.localtime(at).date().replace(day=1)


def _booking_context(booking: Booking) -> dict[str, Any]:
    return {"booking_id": booking.pk, "provider": booking.provider.name, "status": booking.get_status_display()}


@transaction.atomic
def do_create_booking(*, actor: User, provider: Provider, need: str, preferred_at: datetime | None = None) -> Booking:
    """A resident served by the provider books it (the selector already hid providers not
    serving the caller's home)."""
    if not selectors.serves_home_of(provider=provider, user=actor):
        raise PermissionDenied(
            Msg("只有服务范围内的认证居民可以预约。", "Only verified residents served by this provider may book."),
            code="not_served",
        )
    if provider.status != Provider.Status.VERIFIED:
        raise Conflict(Msg("该服务商尚未认证。", "This provider is not verified."), code="provider_not_verified")
    booking = Booking.objects.create(provider=provider, resident=actor, need=need, preferred_at=preferred_at)
    workflow.record(booking, "request", actor=actor, after=booking.status)
    if provider.user_id:
        notify(event="booking_requested", users=[provider.user], context=_booking_context(booking))
    return booking


def _ensure_provider_side(actor: User, booking: Booking) -> None:
    provider = booking.provider
    if provider.user_id != actor.pk and not in_reach(actor, provider.home_grid, STAFF_ROLES):
        raise PermissionDenied(
            Msg("只有服务商本人可以处理预约。", "Only the provider may answer."), code="not_provider"
        )


def _free_used(provider: Provider, month: date) -> QuerySet[Booking]:
    return Booking.objects.filter(provider=provider, quota_month=month, free=True)


@transaction.atomic
def do_accept_booking(*, booking: Booking, actor: User, now: datetime | None = None) -> Booking:
    """Accepting counts the booking against the month's free quota while any is left. The
    provider's row lock serialises concurrent accepts of one provider, so the quota holds."""
    now = now or timezone.now()
    booking = workflow.lock(booking, related=["provider__home_grid", "resident"])
    _ensure_provider_side(actor, booking)
    workflow.check(booking, "accept")
    provider = workflow.lock(booking.provider)
    month = _month_start(now)
    free = _free_used(provider, month).count() < provider.free_quota_per_month
    workflow.transition(
        booking, "accept", actor=actor, at=now, changes={"free": free, "quota_month": month}, details={"free": free}
    )
    notify(event="booking_accepted", users=[booking.resident], context=_booking_context(booking))
    return booking


@transaction.atomic
def do_decline_booking(*, booking: Booking, actor: User, reason: str = "") -> Booking:
    booking = workflow.lock(booking, related=["provider__home_grid", "resident"])
    _ensure_provider_side(actor, booking)
    workflow.transition(booking, "decline", actor=actor, note=reason, changes={"decline_reason": reason})
    notify(event="booking_declined", users=[booking.resident], context={**_booking_context(booking), "note": reason})
    return booking


@transaction.atomic
def do_finish_booking(*, booking: Booking, actor: User) -> Booking:
    booking = workflow.lock(booking, related=["provider__home_grid", "resident"])
    _ensure_provider_side(actor, booking)
    workflow.transition(booking, "done", actor=actor)
    notify(event="booking_done", users=[booking.resident], context=_booking_context(booking))
    return booking


@transaction.atomic
def do_rate_booking(*, booking: Booking, actor: User, score: int) -> Booking:
    booking = workflow.lock(booking, related=["provider"])
    if booking.resident_id != actor.pk:
        raise PermissionDenied(Msg("只有预约人可以评价。", "Only the resident who booked may rate."), code="not_booker")
    if booking.status != Booking.Status.DONE:
        raise Conflict(Msg("服务完成后才能评价。", "Rate once the service is done."), code="not_done")
    if booking.score is not None:
        raise Conflict(Msg("已评价过。", "Already rated."), code="already_rated")
    Booking.objects.filter(pk=booking.pk).update(score=score)
    booking.score = score
    provider = workflow.lock(booking.provider)
    Provider.objects.filter(pk=provider.pk).update(
        rating_sum=provider.rating_sum + score, rating_count=provider.rating_count + 1
    )
    workflow.record(booking, "rate", actor=actor, details={"score": score})
    return booking

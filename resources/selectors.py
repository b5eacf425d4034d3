"""Reads of the resources app, each scoped to what the caller may see (outside it: 404)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.shortcuts import get_object_or_404

from backend.geo import distance_m
from grids.models import GridUnit
from grids.roles import HANDLER_ROLES, STAFF_ROLES
from grids.scope import path_q, reach_paths
from residents.models import ResidenceStatus
from residents.selectors import current_residence

from .models import Booking, Patrol, Provider, Shift, Station, Tip, Volunteer


def verified_home(user: Any) -> GridUnit | None:
    if not getattr(user, "is_authenticated", False):
        return None
    residence = current_residence(user=user)
    return residence.grid if residence and residence.status == ResidenceStatus.VERIFIED else None


# --- providers ---------------------------------------------------------------------------


def providers_visible_to(*, user: Any) -> QuerySet[Provider]:
    """Staff: providers managed or serving inside their reach. Residents: verified providers
    serving their verified home (a served unit is the home or one of its ancestors). Anyone:
    their own provider record."""
    condition = Q(user_id=user.pk)
    paths = reach_paths(user, STAFF_ROLES)
    if paths:
        condition |= path_q(paths, "home_path") | path_q(paths, "grids__path")
    home = verified_home(user)
    if home is not None:
        condition |= Q(status=Provider.Status.VERIFIED, grids__path__in=home.ancestor_paths)
    ids = Provider.objects.filter(condition).values("pk")
    return Provider.objects.filter(pk__in=ids)


def provider_list(*, user: Any) -> QuerySet[Provider]:
    """With their areas (filtered by resources/filters.py)."""
    return providers_visible_to(user=user).select_related("home_grid").prefetch_related("grids")


def provider_get(*, user: Any, provider_id: int) -> Provider:
    return get_object_or_404(providers_visible_to(user=user).select_related("home_grid"), pk=provider_id)


def serves_home_of(*, provider: Provider, user: Any) -> bool:
    home = verified_home(user)
    return home is not None and provider.grids.filter(path__in=home.ancestor_paths).exists()


def contact_visible(*, provider: Provider, user: Any) -> bool:
    """The contact shows in full to the provider, its managing staff, and residents with an
    accepted (or done) booking; everyone else sees it masked."""
    if provider.user_id == user.pk or any(provider.home_path.startswith(p) for p in reach_paths(user, STAFF_ROLES)):
        return True
    return provider.bookings.filter(
        resident_id=user.pk, status__in=[Booking.Status.ACCEPTED, Booking.Status.DONE]
    ).exists()


def bookings_visible_to(*, user: Any) -> QuerySet[Booking]:
    condition = Q(resident_id=user.pk) | Q(provider__user_id=user.pk)
    paths = reach_paths(user, STAFF_ROLES)
    if paths:
        condition |= path_q(paths, "provider__home_path")
    return Booking.objects.filter(condition).select_related("provider")


def booking_get(*, user: Any, booking_id: int) -> Booking:
    return get_object_or_404(bookings_visible_to(user=user), pk=booking_id)


# --- stations ----------------------------------------------------------------------------


def stations_visible_to(*, user: Any) -> QuerySet[Station]:
    """Stations are public places: staff-side people of any unit above or below them see them,
    and residents the ones of their home's ancestors' subtrees (their community's stations)."""
    condition = path_q(reach_paths(user, HANDLER_ROLES), "grid_path")
    home = verified_home(user)
    if home is not None and len(home.ancestor_paths) > 2:
        condition |= Q(grid_path__startswith=home.ancestor_paths[2])  # the home's community
    return Station.objects.filter(condition, active=True).select_related("grid")


def station_list(*, user: Any, grid: GridUnit | None = None, near: tuple[Decimal, Decimal] | None = None) -> Any:
    rows = stations_visible_to(user=user)
    if grid is not None:
        rows = rows.filter(grid_path__startswith=grid.path)
    if near is None:
        return rows
    # Nearest first: the candidates are one community's or street's stations (tens), so the
    # sort happens here rather than in SQL.
    lat, lng = near
    located = [s for s in rows.filter(latitude__isnull=False)[:500]]
    for station in located:
        station.distance_m = round(distance_m(lat, lng, station.latitude, station.longitude))
    return sorted(located, key=lambda s: s.distance_m)


def station_get(*, user: Any, station_id: int) -> Station:
    return get_object_or_404(stations_visible_to(user=user), pk=station_id)


def reservations_of(*, station: Station, since: datetime) -> QuerySet[Any]:
    return station.reservations.filter(cancelled_at__isnull=True, ends_at__gte=since)


def patrols_visible_to(*, user: Any) -> QuerySet[Patrol]:
    return Patrol.objects.filter(path_q(reach_paths(user, HANDLER_ROLES), "grid_path") | Q(worker_id=user.pk))


def patrol_get(*, user: Any, patrol_id: int) -> Patrol:
    return get_object_or_404(patrols_visible_to(user=user).select_related("grid"), pk=patrol_id)


# --- volunteers --------------------------------------------------------------------------


def volunteers_visible_to(*, user: Any) -> QuerySet[Volunteer]:
    condition = Q(user_id=user.pk) | path_q(reach_paths(user, STAFF_ROLES), "grid_path")
    return Volunteer.objects.filter(condition).select_related("grid", "user")


def volunteer_get(*, user: Any, volunteer_id: int) -> Volunteer:
    return get_object_or_404(volunteers_visible_to(user=user), pk=volunteer_id)


def shifts_visible_to(*, user: Any) -> QuerySet[Shift]:
    condition = Q(volunteer__user_id=user.pk) | path_q(reach_paths(user, STAFF_ROLES), "grid_path")
    return Shift.objects.filter(condition).select_related("volunteer")


def shift_get(*, user: Any, shift_id: int) -> Shift:
    return get_object_or_404(shifts_visible_to(user=user), pk=shift_id)


def tips_visible_to(*, user: Any) -> QuerySet[Tip]:
    condition = Q(volunteer__user_id=user.pk) | path_q(reach_paths(user, HANDLER_ROLES), "grid_path")
    return Tip.objects.filter(condition).select_related("grid")


def tip_get(*, user: Any, tip_id: int) -> Tip:
    return get_object_or_404(tips_visible_to(user=user), pk=tip_id)


def service_hours(*, volunteer: Volunteer, year: int) -> dict[str, Any]:
    """The yearly record: completed shifts' minutes by local month of clock-out."""
    by_month: dict[int, dict[str, int]] = defaultdict(lambda: {"minutes": 0, "shifts": 0})
    rows = (
        Shift.objects.filter(volunteer=volunteer, status=Shift.Status.DONE, clock_out_at__year=year)
        .annotate(month=ExtractMonth("clock_out_at"))
        .values_list("month", "minutes")
    )
    for month, minutes in rows:
        by_month[month]["minutes"] += minutes
        by_month[month]["shifts"] += 1
    total = sum(m["minutes"] for m in by_month.values())
    return {
        "volunteer": volunteer.pk,
        "year": year,
        "hours": round(total / 60, 2),
        "shifts": sum(m["shifts"] for m in by_month.values()),
        "by_month": [
            {"month": month, "hours": round(by_month[month]["minutes"] / 60, 2), "shifts": by_month[month]["shifts"]}
            for month in range(1, 13)
        ],
    }

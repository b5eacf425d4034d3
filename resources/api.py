"""HTTP for community resources (API.md "Community resources"): thin views over services
and selectors. Every view is a named class; staff actions answer with the object as it is."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals.models import Category as AppealCategory
from backend.errors import InvalidInput
from backend.filtering import filtered
from backend.geo import LocationSerializer
from backend.messages import Msg
from backend.pagination import paginated_response
from grids.models import GridUnit
from grids.selectors import unit_get
from mediation.api import PartyIn
from mediation.models import Category as CaseCategory
from mediation.services import PartyIn as CaseParty

from . import selectors, services
from .filters import ProviderFilter, VolunteerFilter
from .models import (
    Booking,
    Patrol,
    Provider,
    ProviderKind,
    Reservation,
    Shift,
    Station,
    StationCheckIn,
    Tip,
    Volunteer,
    VolunteerKind,
)

# --- serializers -------------------------------------------------------------------------


class LocationOut(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()


class ProviderOut(serializers.ModelSerializer):
    grids = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    contact = serializers.SerializerMethodField(
        help_text="in full for the provider, its staff and residents it accepted"
    )
    rating = serializers.SerializerMethodField()

    class Meta:
        model = Provider
        fields = [
            "id",
            "kind",
            "name",
            "skills",
            "grids",
            "home_grid",
            "hours",
            "free_quota_per_month",
            "contact",
            "contact_masked",
            "status",
            "rating",
            "created_at",
        ]

    def get_contact(self, provider: Provider) -> str | None:
        user = self.context["request"].user
        return provider.contact if selectors.contact_visible(provider=provider, user=user) else None

    def get_rating(self, provider: Provider) -> float | None:
        return round(provider.rating_sum / provider.rating_count, 2) if provider.rating_count else None


class ProviderIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ProviderKind.choices)
    name = serializers.CharField(max_length=100)
    skills = serializers.ListField(
        child=serializers.CharField(max_length=30), max_length=20, required=False, default=list
    )
    grids = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all(), many=True, allow_empty=False)
    hours = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    free_quota_per_month = serializers.IntegerField(min_value=0, max_value=1000, required=False, default=0)
    contact = serializers.RegexField(r"^\+?[\d-]{5,20}$", required=False)
    apply = serializers.BooleanField(required=False, default=False, help_text="apply for oneself (staff verify)")


class NoteIn(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class BookingOut(serializers.ModelSerializer):
    provider_name = serializers.CharField(source="provider.name", read_only=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "provider",
            "provider_name",
            "resident",
            "need",
            "preferred_at",
            "status",
            "free",
            "quota_month",
            "decline_reason",
            "score",
            "created_at",
        ]


class BookingIn(serializers.Serializer):
    need = serializers.CharField(max_length=2000)
    preferred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ScoreIn(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)


class StationOut(serializers.ModelSerializer):
    location = LocationOut(allow_null=True, read_only=True)
    distance_m = serializers.IntegerField(read_only=True, required=False, allow_null=True, default=None)

    class Meta:
        model = Station
        fields = ["id", "grid", "name", "location", "hours", "facilities", "active", "distance_m"]


class StationIn(serializers.Serializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all())
    name = serializers.CharField(max_length=100)
    location = LocationSerializer(required=False, allow_null=True, default=None)
    hours = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    facilities = serializers.ListField(
        child=serializers.CharField(max_length=30), max_length=30, required=False, default=list
    )


class ReservationOut(serializers.ModelSerializer):
    class Meta:
        model = Reservation
        fields = ["id", "station", "booked_by", "starts_at", "ends_at", "purpose", "created_at"]


class ReservationIn(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    purpose = serializers.CharField(max_length=200)


class CheckInOut(serializers.ModelSerializer):
    class Meta:
        model = StationCheckIn
        fields = ["id", "station", "worker", "distance_m", "at"]


class LocationIn(serializers.Serializer):
    location = LocationSerializer()


class PatrolOut(serializers.ModelSerializer):
    location = LocationOut(allow_null=True, read_only=True)
    photos = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Patrol
        fields = ["id", "grid", "worker", "notes", "location", "photos", "appeal", "created_at"]


class PatrolIn(serializers.Serializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all())
    notes = serializers.CharField(max_length=5000)
    location = LocationSerializer(required=False, allow_null=True, default=None)
    photos = serializers.ListField(child=serializers.IntegerField(), max_length=50, required=False, default=list)
    appeal_category = serializers.ChoiceField(
        choices=AppealCategory.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="turn the log into an appeal in the same call",
    )


class ToAppealIn(serializers.Serializer):
    category = serializers.ChoiceField(choices=AppealCategory.choices)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class VolunteerOut(serializers.ModelSerializer):
    class Meta:
        model = Volunteer
        fields = ["id", "user", "kind", "grid", "status", "created_at"]


class VolunteerIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=VolunteerKind.choices)
    grid = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all())


class ShiftOut(serializers.ModelSerializer):
    location = LocationOut(allow_null=True, read_only=True)

    class Meta:
        model = Shift
        fields = [
            "id",
            "volunteer",
            "grid",
            "starts_at",
            "ends_at",
            "location",
            "status",
            "clock_in_at",
            "clock_out_at",
            "minutes",
        ]


class ShiftIn(serializers.Serializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all())
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    location = LocationSerializer(required=False, allow_null=True, default=None)


class TipOut(serializers.ModelSerializer):
    location = LocationOut(allow_null=True, read_only=True)

    class Meta:
        model = Tip
        fields = ["id", "volunteer", "grid", "description", "location", "appeal", "case", "created_at"]


class TipIn(serializers.Serializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all())
    description = serializers.CharField(max_length=5000)
    location = LocationSerializer(required=False, allow_null=True, default=None)


class TipConvertIn(serializers.Serializer):
    to = serializers.ChoiceField(choices=["appeal", "mediation"])
    category = serializers.CharField(max_length=16)
    parties = PartyIn(many=True, required=False, default=list, max_length=20)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        choices = AppealCategory.values if attrs["to"] == "appeal" else CaseCategory.values
        if attrs["category"] not in choices:
            raise serializers.ValidationError(
                {"category": [Msg("须为 {values} 之一。", "one of {values}").format(values=", ".join(choices))]}
            )
        attrs["parties"] = [CaseParty(**p) for p in attrs["parties"]]
        return attrs


class MonthHoursOut(serializers.Serializer):
    month = serializers.IntegerField()
    hours = serializers.FloatField()
    shifts = serializers.IntegerField()


class HoursOut(serializers.Serializer):
    volunteer = serializers.IntegerField()
    year = serializers.IntegerField()
    hours = serializers.FloatField()
    shifts = serializers.IntegerField()
    by_month = MonthHoursOut(many=True)


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _unit(request: Request, unit_id: int | None) -> GridUnit | None:
    return unit_get(user=request.user, unit_id=unit_id) if unit_id is not None else None


# --- providers and bookings --------------------------------------------------------------


class ProviderListApi(APIView):
    schema_errors = (409,)  # applying twice
    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=ProviderKind.values),
            OpenApiParameter("skill", str),
            OpenApiParameter("grid", int, description="providers serving this unit"),
            OpenApiParameter("q", str, description="name or skill contains"),
        ],
        responses=ProviderOut(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = filtered(ProviderFilter, request, selectors.provider_list(user=request.user))
        return paginated_response(request, self, rows, ProviderOut, context={"request": request})

    @extend_schema(request=ProviderIn, responses={201: ProviderOut})
    def post(self, request: Request) -> Response:
        data = _valid(ProviderIn, request.data)
        if data.pop("apply"):
            provider = services.do_apply_provider(actor=request.user, **data)
        else:
            provider = services.do_register_provider(actor=request.user, **data)
        return Response(ProviderOut(provider, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ProviderDetailApi(APIView):
    @extend_schema(responses=ProviderOut)
    def get(self, request: Request, provider_id: int) -> Response:
        provider = selectors.provider_get(user=request.user, provider_id=provider_id)
        return Response(ProviderOut(provider, context={"request": request}).data)


class ProviderVerifyApi(APIView):
    @extend_schema(request=NoteIn, responses=ProviderOut)
    def post(self, request: Request, provider_id: int) -> Response:
        provider = selectors.provider_get(user=request.user, provider_id=provider_id)
        provider = services.do_verify_provider(provider=provider, actor=request.user, **_valid(NoteIn, request.data))
        return Response(ProviderOut(provider, context={"request": request}).data)


class ProviderRejectApi(APIView):
    @extend_schema(request=NoteIn, responses=ProviderOut)
    def post(self, request: Request, provider_id: int) -> Response:
        provider = selectors.provider_get(user=request.user, provider_id=provider_id)
        provider = services.do_reject_provider(provider=provider, actor=request.user, **_valid(NoteIn, request.data))
        return Response(ProviderOut(provider, context={"request": request}).data)


class ProviderBookingsApi(APIView):
    @extend_schema(request=BookingIn, responses={201: BookingOut})
    def post(self, request: Request, provider_id: int) -> Response:
        provider = selectors.provider_get(user=request.user, provider_id=provider_id)
        booking = services.do_create_booking(actor=request.user, provider=provider, **_valid(BookingIn, request.data))
        return Response(BookingOut(booking).data, status=status.HTTP_201_CREATED)


class BookingListApi(APIView):
    @extend_schema(responses=BookingOut(many=True), description="Bookings I made, received, or manage.")
    def get(self, request: Request) -> Response:
        return paginated_response(request, self, selectors.bookings_visible_to(user=request.user), BookingOut)


class BookingDetailApi(APIView):
    @extend_schema(responses=BookingOut)
    def get(self, request: Request, booking_id: int) -> Response:
        return Response(BookingOut(selectors.booking_get(user=request.user, booking_id=booking_id)).data)


class BookingAcceptApi(APIView):
    @extend_schema(request=None, responses=BookingOut)
    def post(self, request: Request, booking_id: int) -> Response:
        booking = selectors.booking_get(user=request.user, booking_id=booking_id)
        return Response(BookingOut(services.do_accept_booking(booking=booking, actor=request.user)).data)


class BookingDeclineApi(APIView):
    @extend_schema(request=ReasonIn, responses=BookingOut)
    def post(self, request: Request, booking_id: int) -> Response:
        booking = selectors.booking_get(user=request.user, booking_id=booking_id)
        booking = services.do_decline_booking(booking=booking, actor=request.user, **_valid(ReasonIn, request.data))
        return Response(BookingOut(booking).data)


class BookingDoneApi(APIView):
    @extend_schema(request=None, responses=BookingOut)
    def post(self, request: Request, booking_id: int) -> Response:
        booking = selectors.booking_get(user=request.user, booking_id=booking_id)
        return Response(BookingOut(services.do_finish_booking(booking=booking, actor=request.user)).data)


class BookingRateApi(APIView):
    @extend_schema(request=ScoreIn, responses=BookingOut)
    def post(self, request: Request, booking_id: int) -> Response:
        booking = selectors.booking_get(user=request.user, booking_id=booking_id)
        booking = services.do_rate_booking(booking=booking, actor=request.user, **_valid(ScoreIn, request.data))
        return Response(BookingOut(booking).data)


# --- stations, check-ins, patrols --------------------------------------------------------


def _near(raw: str | None) -> tuple[Decimal, Decimal] | None:
    if not raw:
        return None
    try:
        lat, lng = (Decimal(part) for part in raw.split(","))
    except (ValueError, InvalidOperation):
        lat = lng = Decimal("NaN")
    if not (lat.is_finite() and lng.is_finite() and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidInput(
            Msg("位置格式应为“纬度,经度”。", "near is lat,lng."),
            code="bad_near",
            fields={"near": [Msg("纬度,经度", "lat,lng")]},
        )
    return lat, lng


class StationListApi(APIView):
    class Filters(serializers.Serializer):
        grid = serializers.IntegerField(required=False)
        near = serializers.CharField(max_length=40, required=False)

    @extend_schema(
        parameters=[
            OpenApiParameter("grid", int, description="stations in this unit's subtree"),
            OpenApiParameter("near", str, description="lat,lng: nearest first (not paginated by cursor then)"),
        ],
        responses=StationOut(many=True),
    )
    def get(self, request: Request) -> Response:
        params = _valid(self.Filters, request.query_params)
        near = _near(params.get("near"))
        rows = selectors.station_list(user=request.user, grid=_unit(request, params.get("grid")), near=near)
        if near is not None:
            return Response({"next": None, "previous": None, "results": StationOut(rows[:100], many=True).data})
        return paginated_response(request, self, rows, StationOut)

    @extend_schema(request=StationIn, responses={201: StationOut})
    def post(self, request: Request) -> Response:
        station = services.do_create_station(actor=request.user, **_valid(StationIn, request.data))
        return Response(StationOut(station).data, status=status.HTTP_201_CREATED)


class StationDetailApi(APIView):
    @extend_schema(responses=StationOut)
    def get(self, request: Request, station_id: int) -> Response:
        return Response(StationOut(selectors.station_get(user=request.user, station_id=station_id)).data)


class StationReservationsApi(APIView):
    @extend_schema(responses=ReservationOut(many=True), description="Live reservations from now on.")
    def get(self, request: Request, station_id: int) -> Response:
        station = selectors.station_get(user=request.user, station_id=station_id)
        rows = selectors.reservations_of(station=station, since=timezone.now() - timedelta(hours=1))
        return paginated_response(request, self, rows, ReservationOut, ordering="starts_at")

    @extend_schema(request=ReservationIn, responses={201: ReservationOut})
    def post(self, request: Request, station_id: int) -> Response:
        station = selectors.station_get(user=request.user, station_id=station_id)
        reservation = services.do_create_reservation(
            station=station, actor=request.user, **_valid(ReservationIn, request.data)
        )
        return Response(ReservationOut(reservation).data, status=status.HTTP_201_CREATED)


class StationCheckInsApi(APIView):
    @extend_schema(request=LocationIn, responses={201: CheckInOut})
    def post(self, request: Request, station_id: int) -> Response:
        station = selectors.station_get(user=request.user, station_id=station_id)
        check_in = services.do_check_in_station(station=station, actor=request.user, **_valid(LocationIn, request.data))
        return Response(CheckInOut(check_in).data, status=status.HTTP_201_CREATED)


class PatrolListApi(APIView):
    @extend_schema(responses=PatrolOut(many=True))
    def get(self, request: Request) -> Response:
        rows = selectors.patrols_visible_to(user=request.user).prefetch_related("photos")
        return paginated_response(request, self, rows, PatrolOut)

    @extend_schema(request=PatrolIn, responses={201: PatrolOut})
    def post(self, request: Request) -> Response:
        patrol = services.do_create_patrol(actor=request.user, **_valid(PatrolIn, request.data))
        return Response(PatrolOut(patrol).data, status=status.HTTP_201_CREATED)


class PatrolToAppealApi(APIView):
    @extend_schema(request=ToAppealIn, responses=PatrolOut)
    def post(self, request: Request, patrol_id: int) -> Response:
        patrol = selectors.patrol_get(user=request.user, patrol_id=patrol_id)
        services.do_patrol_to_appeal(patrol=patrol, actor=request.user, **_valid(ToAppealIn, request.data))
        return Response(PatrolOut(selectors.patrol_get(user=request.user, patrol_id=patrol_id)).data)


# --- volunteers, shifts, tips ------------------------------------------------------------


class VolunteerListApi(APIView):
    schema_errors = (409,)  # registering twice in one unit
    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=Volunteer.Status.values), OpenApiParameter("grid", int)],
        responses=VolunteerOut(many=True),
        description="Staff: the registrations of their area; anyone: their own.",
    )
    def get(self, request: Request) -> Response:
        rows = filtered(VolunteerFilter, request, selectors.volunteers_visible_to(user=request.user))
        return paginated_response(request, self, rows, VolunteerOut)

    @extend_schema(request=VolunteerIn, responses={201: VolunteerOut})
    def post(self, request: Request) -> Response:
        volunteer = services.do_register_volunteer(actor=request.user, **_valid(VolunteerIn, request.data))
        return Response(VolunteerOut(volunteer).data, status=status.HTTP_201_CREATED)


class VolunteerApproveApi(APIView):
    @extend_schema(request=NoteIn, responses=VolunteerOut)
    def post(self, request: Request, volunteer_id: int) -> Response:
        volunteer = selectors.volunteer_get(user=request.user, volunteer_id=volunteer_id)
        volunteer = services.do_approve_volunteer(
            volunteer=volunteer, actor=request.user, **_valid(NoteIn, request.data)
        )
        return Response(VolunteerOut(volunteer).data)


class VolunteerRejectApi(APIView):
    @extend_schema(request=NoteIn, responses=VolunteerOut)
    def post(self, request: Request, volunteer_id: int) -> Response:
        volunteer = selectors.volunteer_get(user=request.user, volunteer_id=volunteer_id)
        volunteer = services.do_reject_volunteer(
            volunteer=volunteer, actor=request.user, **_valid(NoteIn, request.data)
        )
        return Response(VolunteerOut(volunteer).data)


class VolunteerHoursApi(APIView):
    class Filters(serializers.Serializer):
        year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)

    @extend_schema(parameters=[OpenApiParameter("year", int, description="default: this year")], responses=HoursOut)
    def get(self, request: Request, volunteer_id: int) -> Response:
        volunteer = selectors.volunteer_get(user=request.user, volunteer_id=volunteer_id)
        year = _valid(self.Filters, request.query_params).get("year") or timezone.localdate().year
        return Response(HoursOut(selectors.service_hours(volunteer=volunteer, year=year)).data)


class ShiftListApi(APIView):
    @extend_schema(responses=ShiftOut(many=True), description="My shifts, or my area's for staff.")
    def get(self, request: Request) -> Response:
        return paginated_response(request, self, selectors.shifts_visible_to(user=request.user), ShiftOut)

    @extend_schema(request=ShiftIn, responses={201: ShiftOut})
    def post(self, request: Request) -> Response:
        shift = services.do_create_shift(actor=request.user, **_valid(ShiftIn, request.data))
        return Response(ShiftOut(shift).data, status=status.HTTP_201_CREATED)


class ShiftClockInApi(APIView):
    @extend_schema(request=LocationIn, responses=ShiftOut)
    def post(self, request: Request, shift_id: int) -> Response:
        shift = selectors.shift_get(user=request.user, shift_id=shift_id)
        shift = services.do_clock_in_shift(shift=shift, actor=request.user, **_valid(LocationIn, request.data))
        return Response(ShiftOut(shift).data)


class ShiftClockOutApi(APIView):
    @extend_schema(request=LocationIn, responses=ShiftOut)
    def post(self, request: Request, shift_id: int) -> Response:
        shift = selectors.shift_get(user=request.user, shift_id=shift_id)
        shift = services.do_clock_out_shift(shift=shift, actor=request.user, **_valid(LocationIn, request.data))
        return Response(ShiftOut(shift).data)


class TipListApi(APIView):
    @extend_schema(responses=TipOut(many=True), description="My tips, or my area's for handlers.")
    def get(self, request: Request) -> Response:
        return paginated_response(request, self, selectors.tips_visible_to(user=request.user), TipOut)

    @extend_schema(request=TipIn, responses={201: TipOut})
    def post(self, request: Request) -> Response:
        tip = services.do_create_tip(actor=request.user, **_valid(TipIn, request.data))
        return Response(TipOut(tip).data, status=status.HTTP_201_CREATED)


class TipConvertApi(APIView):
    @extend_schema(request=TipConvertIn, responses=TipOut)
    def post(self, request: Request, tip_id: int) -> Response:
        tip = selectors.tip_get(user=request.user, tip_id=tip_id)
        return Response(
            TipOut(services.do_convert_tip(tip=tip, actor=request.user, **_valid(TipConvertIn, request.data))).data
        )

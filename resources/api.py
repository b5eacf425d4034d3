"""HTTP for community resources (API.md "Community resources"): thin views over services
and selectors. Every view is a named class; staff actions answer with the object as it is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals.models import Category as AppealCategory
from backend.errors import InvalidInput
from backend.geo import LocationSerializer
from backend.messages import Msg
from backend.pagination import paginated_response
from backend.views import created, filtered_page, validated
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


def _unit(request: Request, unit_id: int | None) -> GridUnit | None:
    return unit_get(user=request.user, unit_id=unit_id) if unit_id is not None else None


def _named(request: Request, ids: dict[str, int]) -> dict[str, Any]:
    # The objects a URL names, found in the caller's scope (404 otherwise): its `<noun>_id` is
    # found by `selectors.<noun>_get`, and given to services as `<noun>=`; one convention here.
    found = {}
    for key, object_id in ids.items():
        noun = key.removesuffix("_id")
        found[noun] = getattr(selectors, f"{noun}_get")(user=request.user, **{key: object_id})
    return found


class _DetailApi(APIView):
    # GET: the object the URL names, as `Out` shows it.
    Out: ClassVar[type[serializers.Serializer]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        extend_schema_view(get=extend_schema(responses=cls.Out))(cls)

    def get(self, request: Request, **ids: int) -> Response:
        (found,) = _named(request, ids).values()
        return Response(self.Out(found, context={"request": request}).data)


class _ServiceApi(APIView):
    # POST: find the object the URL names (`_named`), validate the body, run the service,
    # answer with what it returns. Each endpoint is a named subclass saying its body, answer
    # and service; its OpenAPI operation is derived from them. (A comment, not a docstring:
    # drf-spectacular would print a base's docstring as every subclass's description.)
    In: ClassVar[type[serializers.Serializer] | None] = None  # None: no body is read
    Out: ClassVar[type[serializers.Serializer]]
    service: ClassVar[Callable[..., Any]]
    code: ClassVar[int] = status.HTTP_200_OK

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "service" in cls.__dict__:  # an endpoint, not a shared base
            # extend_schema_view copies the inherited post, so each subclass gets its own schema.
            extend_schema_view(post=extend_schema(request=cls.In, responses={cls.code: cls.Out}))(cls)

    def post(self, request: Request, **ids: int) -> Response:
        target = _named(request, ids)
        data = validated(self.In, request) if self.In else {}
        result = self.service(actor=request.user, **target, **data)
        out = self.Out(self.answer(request, result, **ids), context={"request": request})
        return Response(out.data, status=self.code)

    def answer(self, request: Request, result: Any, **ids: int) -> Any:
        return result


# --- serializers -------------------------------------------------------------------------


class LocationOut(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()


def _grid_in() -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all())


def _place_in() -> LocationSerializer:
    # where it is, if the client knows (a fresh field each time: DRF binds a field to one serializer)
    return LocationSerializer(required=False, allow_null=True, default=None)


class _LocatedOut(serializers.ModelSerializer):
    # stations, patrols, shifts and tips all show where they are, if known
    location = LocationOut(allow_null=True, read_only=True)


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


class StationOut(_LocatedOut):
    distance_m = serializers.IntegerField(read_only=True, required=False, allow_null=True, default=None)

    class Meta:
        model = Station
        fields = ["id", "grid", "name", "location", "hours", "facilities", "active", "distance_m"]


class StationIn(serializers.Serializer):
    grid = _grid_in()
    name = serializers.CharField(max_length=100)
    location = _place_in()
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


class PatrolOut(_LocatedOut):
    photos = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Patrol
        fields = ["id", "grid", "worker", "notes", "location", "photos", "appeal", "created_at"]


class PatrolIn(serializers.Serializer):
    grid = _grid_in()
    notes = serializers.CharField(max_length=5000)
    location = _place_in()
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
    grid = _grid_in()


class ShiftOut(_LocatedOut):
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
    grid = _grid_in()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    location = _place_in()


class TipOut(_LocatedOut):
    class Meta:
        model = Tip
        fields = ["id", "volunteer", "grid", "description", "location", "appeal", "case", "created_at"]


class TipIn(serializers.Serializer):
    grid = _grid_in()
    description = serializers.CharField(max_length=5000)
    location = _place_in()


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


class _ListCreateApi(_ServiceApi):
    # GET: the rows the caller may see, one cursor page; POST: create one (201).
    code = status.HTTP_201_CREATED
    visible: ClassVar[Callable[..., QuerySet[Any]]]  # selector of the rows in the caller's reach
    list_note: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "visible" in cls.__dict__:
            extend_schema_view(get=extend_schema(responses=cls.Out(many=True), description=cls.list_note))(cls)

    def get(self, request: Request) -> Response:
        return paginated_response(request, self, self.visible(user=request.user), self.Out)


class _ReviewApi(_ServiceApi):
    # staff verify or reject an application (a provider, a volunteer), with a note
    In = NoteIn


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
        rows = selectors.provider_list(user=request.user)
        return filtered_page(request, self, ProviderFilter, rows, ProviderOut, context={"request": request})

    @extend_schema(request=ProviderIn, responses={201: ProviderOut})
    def post(self, request: Request) -> Response:
        data = validated(ProviderIn, request)
        if data.pop("apply"):
            provider = services.do_apply_provider(actor=request.user, **data)
        else:
            provider = services.do_register_provider(actor=request.user, **data)
        return created(ProviderOut(provider, context={"request": request}).data)


class ProviderDetailApi(_DetailApi):
    Out = ProviderOut


class ProviderVerifyApi(_ReviewApi):
    Out, service = ProviderOut, staticmethod(services.do_verify_provider)


class ProviderRejectApi(_ReviewApi):
    Out, service = ProviderOut, staticmethod(services.do_reject_provider)


class ProviderBookingsApi(_ServiceApi):
    In, Out, service, code = BookingIn, BookingOut, staticmethod(services.do_create_booking), 201


class BookingListApi(APIView):
    @extend_schema(responses=BookingOut(many=True), description="Bookings I made, received, or manage.")
    def get(self, request: Request) -> Response:
        return paginated_response(request, self, selectors.bookings_visible_to(user=request.user), BookingOut)


class BookingDetailApi(_DetailApi):
    Out = BookingOut


class BookingAcceptApi(_ServiceApi):
    Out, service = BookingOut, staticmethod(services.do_accept_booking)


class BookingDeclineApi(_ServiceApi):
    In, Out, service = ReasonIn, BookingOut, staticmethod(services.do_decline_booking)


class BookingDoneApi(_ServiceApi):
    Out, service = BookingOut, staticmethod(services.do_finish_booking)


class BookingRateApi(_ServiceApi):
    In, Out, service = ScoreIn, BookingOut, staticmethod(services.do_rate_booking)


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


class StationListApi(_ServiceApi):
    In, Out, service, code = StationIn, StationOut, staticmethod(services.do_create_station), 201

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
        params = validated(self.Filters, data=request.query_params)
        near = _near(params.get("near"))
        rows = selectors.station_list(user=request.user, grid=_unit(request, params.get("grid")), near=near)
        if near is not None:
            return Response({"next": None, "previous": None, "results": StationOut(rows[:100], many=True).data})
        return paginated_response(request, self, rows, StationOut)


class StationDetailApi(_DetailApi):
    Out = StationOut


class StationReservationsApi(_ServiceApi):
    In, Out, service, code = ReservationIn, ReservationOut, staticmethod(services.do_create_reservation), 201

    @extend_schema(responses=ReservationOut(many=True), description="Live reservations from now on.")
    def get(self, request: Request, station_id: int) -> Response:
        station = selectors.station_get(user=request.user, station_id=station_id)
        rows = selectors.reservations_of(station=station, since=timezone.now() - timedelta(hours=1))
        return paginated_response(request, self, rows, ReservationOut, ordering="starts_at")


class StationCheckInsApi(_ServiceApi):
    In, Out, service, code = LocationIn, CheckInOut, staticmethod(services.do_check_in_station), 201


class PatrolListApi(_ServiceApi):
    In, Out, service, code = PatrolIn, PatrolOut, staticmethod(services.do_create_patrol), 201

    @extend_schema(responses=PatrolOut(many=True))
    def get(self, request: Request) -> Response:
        rows = selectors.patrols_visible_to(user=request.user).prefetch_related("photos")
        return paginated_response(request, self, rows, PatrolOut)


class PatrolToAppealApi(_ServiceApi):
    In, Out, service = ToAppealIn, PatrolOut, staticmethod(services.do_patrol_to_appeal)

    def answer(self, request: Request, result: Any, **ids: int) -> Any:
        # the service answers with the new appeal; the client wants the patrol that now links it
        return selectors.patrol_get(user=request.user, **ids)


# --- volunteers, shifts, tips ------------------------------------------------------------


class VolunteerListApi(_ServiceApi):
    schema_errors = (409,)  # registering twice in one unit
    In, Out, service, code = VolunteerIn, VolunteerOut, staticmethod(services.do_register_volunteer), 201

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=Volunteer.Status.values), OpenApiParameter("grid", int)],
        responses=VolunteerOut(many=True),
        description="Staff: the registrations of their area; anyone: their own.",
    )
    def get(self, request: Request) -> Response:
        rows = selectors.volunteers_visible_to(user=request.user)
        return filtered_page(request, self, VolunteerFilter, rows, VolunteerOut)


class VolunteerApproveApi(_ReviewApi):
    Out, service = VolunteerOut, staticmethod(services.do_approve_volunteer)


class VolunteerRejectApi(_ReviewApi):
    Out, service = VolunteerOut, staticmethod(services.do_reject_volunteer)


class VolunteerHoursApi(APIView):
    class Filters(serializers.Serializer):
        year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)

    @extend_schema(parameters=[OpenApiParameter("year", int, description="default: this year")], responses=HoursOut)
    def get(self, request: Request, volunteer_id: int) -> Response:
        volunteer = selectors.volunteer_get(user=request.user, volunteer_id=volunteer_id)
        year = validated(self.Filters, data=request.query_params).get("year") or timezone.localdate().year
        return Response(HoursOut(selectors.service_hours(volunteer=volunteer, year=year)).data)


class ShiftListApi(_ListCreateApi):
    In, Out, service = ShiftIn, ShiftOut, staticmethod(services.do_create_shift)
    visible, list_note = staticmethod(selectors.shifts_visible_to), "My shifts, or my area's for staff."


class ShiftClockInApi(_ServiceApi):
    In, Out, service = LocationIn, ShiftOut, staticmethod(services.do_clock_in_shift)


class ShiftClockOutApi(_ServiceApi):
    In, Out, service = LocationIn, ShiftOut, staticmethod(services.do_clock_out_shift)


class TipListApi(_ListCreateApi):
    In, Out, service = TipIn, TipOut, staticmethod(services.do_create_tip)
    visible, list_note = staticmethod(selectors.tips_visible_to), "My tips, or my area's for handlers."


class TipConvertApi(_ServiceApi):
    In, Out, service = TipConvertIn, TipOut, staticmethod(services.do_convert_tip)

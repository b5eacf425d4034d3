from django.urls import path

from backend.paths import on

from . import api

urlpatterns = [
    path("providers", api.ProviderListApi.as_view(), name="providers"),
    on("provider", "", api.ProviderDetailApi),
    on("provider", "verify", api.ProviderVerifyApi),
    on("provider", "reject", api.ProviderRejectApi),
    on("provider", "bookings", api.ProviderBookingsApi),
    path("bookings", api.BookingListApi.as_view(), name="bookings"),
    on("booking", "", api.BookingDetailApi),
    on("booking", "accept", api.BookingAcceptApi),
    on("booking", "decline", api.BookingDeclineApi),
    on("booking", "done", api.BookingDoneApi),
    on("booking", "rate", api.BookingRateApi),
    path("stations", api.StationListApi.as_view(), name="stations"),
    on("station", "", api.StationDetailApi),
    on("station", "reservations", api.StationReservationsApi),
    on("station", "check-ins", api.StationCheckInsApi),
    path("patrols", api.PatrolListApi.as_view(), name="patrols"),
    on("patrol", "to-appeal", api.PatrolToAppealApi),
    path("volunteers", api.VolunteerListApi.as_view(), name="volunteers"),
    path("volunteers/shifts", api.ShiftListApi.as_view(), name="volunteer-shifts"),
    on("volunteer", "approve", api.VolunteerApproveApi),
    on("volunteer", "reject", api.VolunteerRejectApi),
    on("volunteer", "hours", api.VolunteerHoursApi),
    on("shift", "clock-in", api.ShiftClockInApi),
    on("shift", "clock-out", api.ShiftClockOutApi),
    path("tips", api.TipListApi.as_view(), name="tips"),
    on("tip", "convert", api.TipConvertApi),
]

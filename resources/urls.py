from django.urls import path

from . import api

urlpatterns = [
    path("providers", api.ProviderListApi.as_view(), name="providers"),
    path("providers/<int:provider_id>", api.ProviderDetailApi.as_view(), name="provider"),
    path("providers/<int:provider_id>/verify", api.ProviderVerifyApi.as_view(), name="provider-verify"),
    path("providers/<int:provider_id>/reject", api.ProviderRejectApi.as_view(), name="provider-reject"),
    path("providers/<int:provider_id>/bookings", api.ProviderBookingsApi.as_view(), name="provider-bookings"),
    path("bookings", api.BookingListApi.as_view(), name="bookings"),
    path("bookings/<int:booking_id>", api.BookingDetailApi.as_view(), name="booking"),
    path("bookings/<int:booking_id>/accept", api.BookingAcceptApi.as_view(), name="booking-accept"),
    path("bookings/<int:booking_id>/decline", api.BookingDeclineApi.as_view(), name="booking-decline"),
    path("bookings/<int:booking_id>/done", api.BookingDoneApi.as_view(), name="booking-done"),
    path("bookings/<int:booking_id>/rate", api.BookingRateApi.as_view(), name="booking-rate"),
    path("stations", api.StationListApi.as_view(), name="stations"),
    path("stations/<int:station_id>", api.StationDetailApi.as_view(), name="station"),
    path("stations/<int:station_id>/reservations", api.StationReservationsApi.as_view(), name="station-reservations"),
    path("stations/<int:station_id>/check-ins", api.StationCheckInsApi.as_view(), name="station-check-ins"),
    path("patrols", api.PatrolListApi.as_view(), name="patrols"),
    path("patrols/<int:patrol_id>/to-appeal", api.PatrolToAppealApi.as_view(), name="patrol-to-appeal"),
    path("volunteers", api.VolunteerListApi.as_view(), name="volunteers"),
    path("volunteers/shifts", api.ShiftListApi.as_view(), name="volunteer-shifts"),
    path("volunteers/<int:volunteer_id>/approve", api.VolunteerApproveApi.as_view(), name="volunteer-approve"),
    path("volunteers/<int:volunteer_id>/reject", api.VolunteerRejectApi.as_view(), name="volunteer-reject"),
    path("volunteers/<int:volunteer_id>/hours", api.VolunteerHoursApi.as_view(), name="volunteer-hours"),
    path("shifts/<int:shift_id>/clock-in", api.ShiftClockInApi.as_view(), name="shift-clock-in"),
    path("shifts/<int:shift_id>/clock-out", api.ShiftClockOutApi.as_view(), name="shift-clock-out"),
    path("tips", api.TipListApi.as_view(), name="tips"),
    path("tips/<int:tip_id>/convert", api.TipConvertApi.as_view(), name="tip-convert"),
]

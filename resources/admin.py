"""Admin for community resources. Contacts show masked; states move through the API (its
services write the timelines and notify), so status fields are read-only here."""

from django.contrib import admin

from backend.admin import ModelAdmin, ReadOnly, TabularInline

from .models import (
    Booking,
    BookingEvent,
    Patrol,
    Provider,
    ProviderEvent,
    Reservation,
    Shift,
    ShiftEvent,
    Station,
    StationCheckIn,
    Tip,
    Volunteer,
    VolunteerEvent,
)


class ReadOnlyInline(ReadOnly, TabularInline):
    extra = 0
    can_delete = False


class TimelineInline(ReadOnlyInline):
    # an object's timeline rows (backend.workflow.TimelineEvent), oldest first
    fields = ["at", "action", "actor", "from_status", "to_status", "note"]


class ProviderEventInline(TimelineInline):
    model = ProviderEvent


@admin.register(Provider)
class ProviderAdmin(ModelAdmin):
    list_display = ["name", "kind", "home_grid", "status", "free_quota_per_month", "contact_masked"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "skills_text", "home_grid__name"]
    exclude = ["contact"]
    readonly_fields = ["status", "contact_masked", "home_path", "rating_sum", "rating_count"]
    filter_horizontal = ["grids"]
    inlines = [ProviderEventInline]


class BookingEventInline(TimelineInline):
    model = BookingEvent


@admin.register(Booking)
class BookingAdmin(ModelAdmin):
    list_display = ["pk", "provider", "resident", "status", "free", "quota_month", "score", "created_at"]
    list_filter = ["status", "free"]
    readonly_fields = ["status", "free", "quota_month", "score"]
    inlines = [BookingEventInline]


class ReservationInline(TabularInline):
    model = Reservation
    extra = 0


@admin.register(Station)
class StationAdmin(ModelAdmin):
    list_display = ["name", "grid", "hours", "active"]
    list_filter = ["active"]
    search_fields = ["name", "grid__name", "grid__code"]
    readonly_fields = ["grid_path"]
    inlines = [ReservationInline]


@admin.register(StationCheckIn)
class StationCheckInAdmin(ModelAdmin):
    list_display = ["station", "worker", "distance_m", "at"]


@admin.register(Patrol)
class PatrolAdmin(ModelAdmin):
    list_display = ["pk", "grid", "worker", "appeal", "created_at"]
    readonly_fields = ["grid_path"]


class VolunteerEventInline(TimelineInline):
    model = VolunteerEvent


@admin.register(Volunteer)
class VolunteerAdmin(ModelAdmin):
    list_display = ["user", "kind", "grid", "status", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["user__username", "user__name", "grid__name"]
    readonly_fields = ["status", "grid_path"]
    inlines = [VolunteerEventInline]


class ShiftEventInline(TimelineInline):
    model = ShiftEvent
    fields = [*TimelineInline.fields, "details"]  # the clock-in distance


@admin.register(Shift)
class ShiftAdmin(ModelAdmin):
    list_display = ["volunteer", "grid", "starts_at", "ends_at", "status", "minutes"]
    list_filter = ["status"]
    readonly_fields = ["status", "clock_in_at", "clock_out_at", "minutes", "grid_path"]
    inlines = [ShiftEventInline]


@admin.register(Tip)
class TipAdmin(ModelAdmin):
    list_display = ["pk", "volunteer", "grid", "appeal", "case", "created_at"]
    readonly_fields = ["grid_path"]

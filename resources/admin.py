"""Admin for community resources. Contacts show masked; states move through the API (its
services write the timelines and notify), so status fields are read-only here."""

from django.contrib import admin

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


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


class TimelineInline(ReadOnlyInline):
    # an object's timeline rows (backend.workflow.TimelineEvent), oldest first
    fields = ["at", "action", "actor", "from_status", "to_status", "note"]


class ProviderEventInline(TimelineInline):
    model = ProviderEvent


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "home_grid", "status", "free_quota_per_month", "contact_masked"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "skills_text", "home_grid__name"]
    exclude = ["contact"]
    readonly_fields = ["status", "contact_masked", "home_path", "rating_sum", "rating_count"]
    raw_id_fields = ["home_grid", "user"]
    filter_horizontal = ["grids"]
    inlines = [ProviderEventInline]


class BookingEventInline(TimelineInline):
    model = BookingEvent


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["pk", "provider", "resident", "status", "free", "quota_month", "score", "created_at"]
    list_filter = ["status", "free"]
    readonly_fields = ["status", "free", "quota_month", "score"]
    raw_id_fields = ["provider", "resident"]
    inlines = [BookingEventInline]


class ReservationInline(admin.TabularInline):
    model = Reservation
    extra = 0
    raw_id_fields = ["booked_by"]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["name", "grid", "hours", "active"]
    list_filter = ["active"]
    search_fields = ["name", "grid__name", "grid__code"]
    raw_id_fields = ["grid"]
    readonly_fields = ["grid_path"]
    inlines = [ReservationInline]


@admin.register(StationCheckIn)
class StationCheckInAdmin(admin.ModelAdmin):
    list_display = ["station", "worker", "distance_m", "at"]
    raw_id_fields = ["station", "worker"]


@admin.register(Patrol)
class PatrolAdmin(admin.ModelAdmin):
    list_display = ["pk", "grid", "worker", "appeal", "created_at"]
    raw_id_fields = ["grid", "worker", "appeal", "photos"]
    readonly_fields = ["grid_path"]


class VolunteerEventInline(TimelineInline):
    model = VolunteerEvent


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "grid", "status", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["user__username", "user__name", "grid__name"]
    raw_id_fields = ["user", "grid"]
    readonly_fields = ["status", "grid_path"]
    inlines = [VolunteerEventInline]


class ShiftEventInline(TimelineInline):
    model = ShiftEvent
    fields = [*TimelineInline.fields, "details"]  # the clock-in distance


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "grid", "starts_at", "ends_at", "status", "minutes"]
    list_filter = ["status"]
    raw_id_fields = ["volunteer", "grid"]
    readonly_fields = ["status", "clock_in_at", "clock_out_at", "minutes", "grid_path"]
    inlines = [ShiftEventInline]


@admin.register(Tip)
class TipAdmin(admin.ModelAdmin):
    list_display = ["pk", "volunteer", "grid", "appeal", "case", "created_at"]
    raw_id_fields = ["volunteer", "grid", "appeal", "case"]
    readonly_fields = ["grid_path"]

"""Admin for consultations: read-mostly. Changes of a topic's state go through the API (its
services write the timeline and notify); nothing here shows who voted what."""

from django.contrib import admin

from backend.admin import ModelAdmin, TabularInline

from .models import (
    Consultation,
    ConsultationEvent,
    Evaluation,
    Meeting,
    Motion,
    Objection,
    ProgressReport,
    Support,
)


class ConsultationEventInline(TabularInline):
    model = ConsultationEvent
    extra = 0
    readonly_fields = ["action", "actor", "from_status", "to_status", "note", "details", "at"]
    can_delete = False


class MeetingInline(TabularInline):
    model = Meeting
    extra = 0
    fields = ["scheduled_at", "place", "quorum", "minutes_approved"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False


@admin.register(Consultation)
class ConsultationAdmin(ModelAdmin):
    list_display = ["id", "title", "kind", "status", "level", "grid", "support_count", "is_overdue", "created_at"]
    list_filter = ["status", "kind", "level", "is_overdue"]
    search_fields = ["title"]
    readonly_fields = ["status", "support_count", "post_count", "grid_path", "level", "created_at", "updated_at"]
    inlines = [MeetingInline, ConsultationEventInline]
    date_hierarchy = "created_at"


admin.site.register(
    Meeting,
    ModelAdmin,
    list_display=["id", "consultation", "scheduled_at", "place", "quorum", "minutes_approved"],
    exclude=["check_in_code"],
)


admin.site.register(
    Motion,
    ModelAdmin,
    list_display=["id", "meeting", "text", "status", "votes_for", "votes_against", "abstentions", "passed"],
    readonly_fields=["votes_for", "votes_against", "abstentions", "attendees", "passed"],
)


admin.site.register(Objection, ModelAdmin, list_display=["id", "consultation", "status", "answered_at", "created_at"])


admin.site.register(
    Support,
    ModelAdmin,
    list_display=["id", "consultation", "user", "merged_from", "created_at"],
    readonly_fields=["household"],
)


admin.site.register(ProgressReport, ModelAdmin)
admin.site.register(Evaluation, ModelAdmin)

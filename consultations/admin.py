"""Admin for consultations: read-mostly. Changes of a topic's state go through the API (its
services write the timeline and notify); nothing here shows who voted what."""

from django.contrib import admin

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


class ConsultationEventInline(admin.TabularInline):
    model = ConsultationEvent
    extra = 0
    raw_id_fields = ["actor"]
    readonly_fields = ["action", "actor", "from_status", "to_status", "note", "details", "at"]
    can_delete = False


class MeetingInline(admin.TabularInline):
    model = Meeting
    extra = 0
    fields = ["scheduled_at", "place", "quorum", "minutes_approved"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "kind", "status", "level", "grid", "support_count", "is_overdue", "created_at"]
    list_filter = ["status", "kind", "level", "is_overdue"]
    search_fields = ["title"]
    raw_id_fields = ["grid", "origin_grid", "author", "decided_by", "merged_into", "appeal", "nomination"]
    readonly_fields = ["status", "support_count", "post_count", "grid_path", "level", "created_at", "updated_at"]
    inlines = [MeetingInline, ConsultationEventInline]
    date_hierarchy = "created_at"


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["id", "consultation", "scheduled_at", "place", "quorum", "minutes_approved"]
    raw_id_fields = ["consultation", "created_by", "minutes_by"]
    exclude = ["check_in_code"]


@admin.register(Motion)
class MotionAdmin(admin.ModelAdmin):
    list_display = ["id", "meeting", "text", "status", "votes_for", "votes_against", "abstentions", "passed"]
    raw_id_fields = ["meeting", "opened_by"]
    readonly_fields = ["votes_for", "votes_against", "abstentions", "attendees", "passed"]


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ["id", "consultation", "status", "answered_at", "created_at"]
    raw_id_fields = ["consultation", "author", "answered_by"]


@admin.register(Support)
class SupportAdmin(admin.ModelAdmin):
    list_display = ["id", "consultation", "user", "merged_from", "created_at"]
    raw_id_fields = ["consultation", "user", "residence", "merged_from"]
    readonly_fields = ["household"]


admin.site.register(ProgressReport, raw_id_fields=["consultation", "author", "appeal"])
admin.site.register(Evaluation, raw_id_fields=["consultation", "user"])

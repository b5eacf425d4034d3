"""Admin for mediation. Party phones are shown masked and never rendered as editable text;
changes of a case's state go through the API (its services write the timeline and notify)."""

from django.contrib import admin

from backend.admin import ModelAdmin, ReadOnly, TabularInline

from .models import Agreement, Case, CaseEvent, FollowUp, MediationTeam, Party, Session, TeamMember


class TeamMemberInline(TabularInline):
    model = TeamMember
    extra = 0


@admin.register(MediationTeam)
class MediationTeamAdmin(ModelAdmin):
    list_display = ["name", "kind", "grid", "active", "created_at"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "grid__name", "grid__code"]
    inlines = [TeamMemberInline]


@admin.register(TeamMember)
class TeamMemberAdmin(ModelAdmin):
    list_display = ["team", "user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["team__name", "user__username", "user__name"]


class PartyInline(TabularInline):
    model = Party
    extra = 0
    fields = ["name", "role", "phone_masked", "user"]
    readonly_fields = ["phone_masked"]


class SessionInline(TabularInline):
    model = Session
    extra = 0
    fields = ["scheduled_at", "place", "notes", "recorded_at", "cancelled_at", "reminded_at"]
    readonly_fields = ["recorded_at", "cancelled_at", "reminded_at"]


class CaseEventInline(TabularInline):
    model = CaseEvent
    extra = 0
    fields = ["at", "action", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # the timeline is written by services
        return False


# Written by the services (state machine, timeline, deadlines): read-only here.
CASE_READONLY = [
    "number",
    "status",
    "grid_path",
    "source",
    "source_appeal_id",
    "accepted_at",
    "due_at",
    "is_overdue",
    "overdue_at",
    "next_session_at",
    "outcome",
    "outcome_at",
    "closed_at",
    "created_at",
    "updated_at",
]


@admin.register(Case)
class CaseAdmin(ModelAdmin):
    list_display = ["number", "category", "status", "grid", "team", "due_at", "is_overdue", "created_at"]
    list_filter = ["status", "category", "source", "is_overdue"]
    search_fields = ["number", "title", "grid__code"]
    filter_horizontal = ["mediators"]
    readonly_fields = CASE_READONLY
    exclude = ["due_epoch"]
    inlines = [PartyInline, SessionInline, CaseEventInline]
    list_select_related = ["grid", "team"]


@admin.register(Party)
class PartyAdmin(ModelAdmin):
    list_display = ["name", "role", "phone_masked", "case", "user"]
    list_filter = ["role"]
    search_fields = ["name", "case__number"]
    # The ciphertext column is never rendered; the digest finds a party by phone.
    exclude = ["phone"]
    readonly_fields = ["phone_masked", "phone_digest"]
    list_select_related = ["case", "user"]


admin.site.register(
    Session,
    ModelAdmin,
    list_display=["case", "scheduled_at", "place", "recorded_at", "cancelled_at", "reminded_at"],
    list_select_related=["case"],
)


admin.site.register(Agreement, ModelAdmin, list_display=["case", "at", "recorded_by"])


admin.site.register(FollowUp, ModelAdmin, list_display=["case", "fulfilled", "at", "by"], list_filter=["fulfilled"])


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnly, ModelAdmin):  # an audit trail is not edited
    list_display = ["case", "action", "from_status", "to_status", "actor", "at"]
    list_filter = ["action"]
    search_fields = ["case__number"]
    list_select_related = ["case", "actor"]

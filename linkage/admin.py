"""Admin for the linked systems: petitions with their timelines, the outbox (what is waiting,
how often it was tried, its last error) and the conflict-system links. Read-only: states move
through the webhooks and services, which write the timelines."""

from django.contrib import admin

from backend.admin import ModelAdmin, ReadOnly, TabularInline

from .models import ConflictLink, InboundReceipt, OutboundCall, Petition, PetitionEvent


class ReadOnlyAdmin(ReadOnly, ModelAdmin):
    pass


class PetitionEventInline(TabularInline):
    model = PetitionEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields


@admin.register(Petition)
class PetitionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "appeal", "case", "accept_due_at", "reply_due_at", "review_due_at"]
    list_filter = ["status", "extended"]
    inlines = [PetitionEventInline]


@admin.register(OutboundCall)
class OutboundCallAdmin(ReadOnlyAdmin):
    list_display = ["key", "system", "path", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["system"]
    search_fields = ["key"]


admin.site.register(ConflictLink, ReadOnlyAdmin, list_display=["external_id", "case", "dispatched", "created_at"])


admin.site.register(
    InboundReceipt, ReadOnlyAdmin, list_display=["system", "sender_id", "received_at"], list_filter=["system"]
)

from django.contrib import admin

from backend.admin import ModelAdmin, TabularInline

from .models import Appeal, AppealAttachment, AppealEvent, AppealNumberCounter, HotlineSync


class AppealEventInline(TabularInline):
    model = AppealEvent
    extra = 0
    readonly_fields = ["action", "actor", "from_status", "to_status", "from_grid", "to_grid", "note", "at"]
    can_delete = False


class AppealAttachmentInline(TabularInline):
    model = AppealAttachment
    extra = 0
    readonly_fields = ["file", "content_type", "size", "width", "height", "created_at"]


@admin.register(Appeal)
class AppealAdmin(ModelAdmin):
    list_display = [
        "number",
        "title",
        "category",
        "status",
        "source",
        "level",
        "handling_grid",
        "is_overdue",
        "created_at",
    ]
    list_filter = ["status", "category", "source", "level", "is_overdue", "is_public"]
    search_fields = ["number", "title", "hotline_order_id"]
    readonly_fields = [
        "number",
        "grid_path",
        "handling_path",
        "level",
        "contact_phone_digest",
        "created_at",
        "updated_at",
    ]
    # The phone is stored encrypted; the admin does not render it (PIPL).
    exclude = ["contact_phone"]
    date_hierarchy = "created_at"
    inlines = [AppealAttachmentInline, AppealEventInline]


@admin.register(AppealAttachment)
class AppealAttachmentAdmin(ModelAdmin):
    list_display = ["id", "file", "owner", "appeal", "content_type", "size", "created_at"]


@admin.register(AppealEvent)
class AppealEventAdmin(ModelAdmin):
    list_display = ["appeal", "action", "actor", "from_status", "to_status", "at"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None) -> bool:  # the timeline is a record
        return False


@admin.register(AppealNumberCounter)
class AppealNumberCounterAdmin(ModelAdmin):
    list_display = ["day", "last"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.action(description="立即重试")
def retry_now(modeladmin, request, queryset) -> None:
    from django.utils import timezone

    queryset.filter(sent_at__isnull=True).update(next_attempt_at=timezone.now())


@admin.register(HotlineSync)
class HotlineSyncAdmin(ModelAdmin):
    list_display = ["order_id", "status", "at", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["status"]
    search_fields = ["order_id"]
    actions = [retry_now]

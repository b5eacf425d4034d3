"""Django admin for the notifications app. The webhook URL and the signing secret of a group
chat are write-only here too: the form never renders them, blank keeps the stored value."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from backend.admin import ModelAdmin, TabularInline
from backend.errors import DomainError, InvalidInput

from .api import masked_webhook
from .models import Announcement, Delivery, DeliveryLog, GroupChat, Message, Notification
from .services import check_webhook, delivery_retry


class GroupChatForm(forms.ModelForm):
    new_webhook_url = forms.URLField(
        label="Webhook 地址",
        required=False,
        assume_scheme="https",
        widget=forms.PasswordInput(render_value=False),
        help_text="留空则不修改",
    )
    new_secret = forms.CharField(
        label="签名密钥", required=False, widget=forms.PasswordInput(render_value=False), help_text="留空则不修改"
    )

    class Meta:
        model = GroupChat
        fields = ["grid", "name", "provider", "is_active"]

    def clean(self):
        data = super().clean()
        if not self.instance.pk and not data.get("new_webhook_url"):
            self.add_error("new_webhook_url", "必填")
        # The same host allow-list (SSRF guard) as the API: a new address, or a new provider
        # for the stored one, must be that provider's.
        url = data.get("new_webhook_url") or (self.instance.webhook_url if self.instance.pk else "")
        if url and data.get("provider"):
            try:
                check_webhook(data["provider"], url)
            except InvalidInput as exc:
                field = "new_webhook_url" if data.get("new_webhook_url") else "provider"
                self.add_error(field, "; ".join(str(m) for m in exc.fields.get("webhook_url", [])) or str(exc))
        return data

    def save(self, commit: bool = True) -> GroupChat:
        chat = super().save(commit=False)
        if self.cleaned_data.get("new_webhook_url"):
            chat.webhook_url = self.cleaned_data["new_webhook_url"]
        if self.cleaned_data.get("new_secret"):
            chat.secret = self.cleaned_data["new_secret"]
        if commit:
            chat.save()
        return chat


@admin.register(GroupChat)
class GroupChatAdmin(ModelAdmin):
    form = GroupChatForm
    list_display = ["name", "provider", "grid", "webhook", "has_secret", "is_active", "created_at"]
    list_filter = ["provider", "is_active"]
    search_fields = ["name", "grid__code", "grid__name"]
    readonly_fields = ["webhook", "has_secret"]

    @admin.display(description="Webhook")
    def webhook(self, chat: GroupChat) -> str:
        return masked_webhook(chat.webhook_url) if chat.pk else ""

    @admin.display(boolean=True, description="有签名密钥")
    def has_secret(self, chat: GroupChat) -> bool:
        return bool(chat.secret)


@admin.register(Message)
class MessageAdmin(ModelAdmin):
    list_display = ["id", "event", "title", "grid_path", "created_at"]
    list_filter = ["event"]
    search_fields = ["title"]
    readonly_fields = [f.name for f in Message._meta.fields]


@admin.register(Notification)
class NotificationAdmin(ModelAdmin):
    list_display = ["id", "user", "message", "read_at", "created_at"]
    # Inbox rows run to millions: no COUNT(*) over the whole table per page.
    show_full_result_count = False


class DeliveryLogInline(TabularInline):
    model = DeliveryLog
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_status", "to_status", "actor", "note", "at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ModelAdmin):
    list_display = ["id", "provider", "chat", "user", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status", "provider", "channel"]
    readonly_fields = ["sending_until", "lease_token", "sent_at", "created_at"]
    inlines = [DeliveryLogInline]
    actions = ["retry_dead"]
    show_full_result_count = False

    @admin.action(description="重新发送所选的已放弃投递")
    def retry_dead(self, request, queryset) -> None:
        done = 0
        for delivery in queryset.filter(status=Delivery.Status.DEAD).order_by("pk"):
            try:
                delivery_retry(delivery=delivery, actor=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"#{delivery.pk}: {exc}", messages.WARNING)
        self.message_user(request, f"{done} 条投递已重新排队。", messages.SUCCESS)


@admin.register(Announcement)
class AnnouncementAdmin(ModelAdmin):
    list_display = ["id", "title", "grid", "author", "recipients", "created_at"]
    search_fields = ["title"]

"""Notifications: one `Message` per `notify(...)` call (its texts, rendered once), fanned out to
inbox rows (`Notification`, one per user) and `Delivery` rows (one per outside target: a group
chat robot or a resident's subscribe message), plus the group-chat registry and announcements.

A district-wide announcement writes 100,000 inbox rows: they carry only (user, message, read_at)
so that the fan-out is one INSERT ... SELECT of narrow rows.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from backend import workflow
from backend.crypto import EncryptedTextField
from backend.models import Described
from backend.unit_path import UnitPathCopy
from grids.models import GridUnit


class Channel(models.TextChoices):
    INBOX = "inbox", "站内信"
    GROUP_CHAT = "group_chat", "群聊机器人"
    SUBSCRIBE = "subscribe", "订阅消息"


class Provider(models.TextChoices):
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"
    FEISHU = "feishu", "飞书群机器人"


ROBOT_PROVIDERS = frozenset(Provider.values)
SUBSCRIBE_PROVIDER = "subscribe"


class Message(Described):
    """What one `notify` call says, rendered from the event's template once for every channel."""

    DESCRIBE = "{0.event}: {0.title}"

    event = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    page = models.CharField(max_length=255, blank=True)
    context = models.JSONField(default=dict, blank=True)
    # The WeChat subscribe payload {"template_id","data","page"}, the same for every recipient.
    subscribe = models.JSONField(default=dict, blank=True)
    # Robots @ everyone in the chat.
    mention_all = models.BooleanField(default=False)
    # The unit the message is about (notify's grid or residents_under): scopes its deliveries.
    grid_path = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Notification(Described):
    """One inbox row: a message as one user received it."""

    DESCRIBE = "{0.user_id} <- {0.message_id}"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="notifications")
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The inbox: a user's rows newest first (cursor on -id).
            models.Index(fields=["user", "-id"], name="notification_user_id"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]


class InUnit(UnitPathCopy):
    """Sent to a unit (and its subtree): `grid_path` copies the unit's path on every save (the
    admin may move a chat or a notice) and is indexed for the prefix match of the scope."""

    path_follows_unit = True

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["grid_path"], name="%(class)s_path", opclasses=["varchar_pattern_ops"])]


class GroupChat(InUnit, Described):
    """A WeCom / DingTalk / Feishu group chat of a grid unit, reached through its robot webhook.

    The webhook URL (its key is a credential) and the signing secret are stored encrypted and
    never returned; `webhook_digest` identifies the robot (uniqueness and its rate limit)."""

    DESCRIBE = "{0.name} ({0.provider})"

    grid = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="group_chats")
    grid_path = models.CharField(max_length=255, editable=False)
    name = models.CharField(max_length=100)
    provider = models.CharField(max_length=16, choices=Provider.choices)
    webhook_url = EncryptedTextField()
    webhook_digest = models.CharField(max_length=64, unique=True, editable=False)
    secret = EncryptedTextField(blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def save(self, *args, **kwargs) -> None:
        self.webhook_digest = self.digest_of(self.webhook_url)
        super().save(*args, **kwargs)

    @staticmethod
    def digest_of(webhook_url: str) -> str:
        return hashlib.sha256(webhook_url.strip().encode()).hexdigest()


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败，等待重试"
    DEAD = "dead", "已放弃"


class Delivery(workflow.Stateful, Described):
    """One message to one outside target. Sent at least once, never again once `sent`.

    A worker claims a row by setting `sending_until` (a lease) and `lease_token` in one
    conditional UPDATE; only the holder of the token may record the outcome."""

    DESCRIBE = "delivery {0.pk} {0.provider} {0.status}"

    Status = DeliveryStatus
    TIMELINE = "notifications.DeliveryLog"
    TRANSITIONS = {
        "succeed": ({DeliveryStatus.PENDING, DeliveryStatus.FAILED}, DeliveryStatus.SENT),
        "fail": ({DeliveryStatus.PENDING, DeliveryStatus.FAILED}, DeliveryStatus.FAILED),
        "give_up": ({DeliveryStatus.PENDING, DeliveryStatus.FAILED}, DeliveryStatus.DEAD),
        "retry": ({DeliveryStatus.DEAD}, DeliveryStatus.PENDING),
    }
    SENDABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # wecom / dingtalk / feishu for a chat, "subscribe" for a subscribe message.
    provider = models.CharField(max_length=16)
    chat = models.ForeignKey(GroupChat, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    openid = models.CharField(max_length=64, blank=True)
    grid_path = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sending_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["message", "status"], name="delivery_message_status"),
            # The sweeper's scan: unsent rows by due time.
            models.Index(
                fields=["next_attempt_at"], condition=Q(status__in=["pending", "failed"]), name="delivery_due"
            ),
            models.Index(fields=["status", "grid_path"], name="delivery_status_path"),
        ]


class DeliveryLog(workflow.TimelineEvent):
    """The audit row of each transition of a delivery (each send attempt, each staff retry)."""

    subject_field = "delivery"
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")


class Announcement(InUnit, Described):
    """A notice staff post to a grid subtree: its residents' inboxes, its group chats and,
    if chosen, subscribe messages."""

    DESCRIBE = "{0.title}"

    grid = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="announcements")
    grid_path = models.CharField(max_length=255, editable=False)
    title = models.CharField(max_length=100)
    body = models.TextField()
    channels = models.JSONField(default=list)
    # Set in the same transaction right after the fan-out (the message's page names the id).
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="announcement"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

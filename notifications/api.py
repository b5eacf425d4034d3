"""HTTP for the inbox, group chats, announcements and deliveries (API.md "Notifications"):
thin views over services and selectors. Secrets and webhook keys never leave the server."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.views import created, filtered_page, validated
from grids.models import GridUnit

from . import selectors, services
from .delivery import inbox_payload
from .filters import AnnouncementFilter, DeliveryFilter, GroupChatFilter, NotificationFilter
from .models import Announcement, Delivery, DeliveryStatus, GroupChat, Notification, Provider

# --- inbox ---------------------------------------------------------------------------------


class NotificationOut(serializers.Serializer):
    """One inbox row; the socket pushes the same shape (delivery.inbox_payload)."""

    id = serializers.IntegerField()
    event = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    page = serializers.CharField()
    data = serializers.DictField()
    read = serializers.BooleanField()
    read_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def to_representation(self, instance: Notification) -> dict[str, Any]:
        return inbox_payload(instance, instance.message)


UnreadCountOut = inline_serializer("UnreadCountOut", {"unread_count": serializers.IntegerField()})


class NotificationListApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("unread", bool)], responses=NotificationOut(many=True))
    def get(self, request: Request) -> Response:
        return filtered_page(request, self, NotificationFilter, selectors.inbox(user=request.user), NotificationOut)


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses=NotificationOut)
    def post(self, request: Request, notification_id: int) -> Response:
        row = selectors.notification_get(user=request.user, notification_id=notification_id)
        return Response(NotificationOut(services.notification_mark_read(notification=row, user=request.user)).data)


class NotificationReadAllApi(APIView):
    @extend_schema(
        request=None,
        responses=inline_serializer(
            "ReadAllOut", {"updated": serializers.IntegerField(), "unread_count": serializers.IntegerField()}
        ),
    )
    def post(self, request: Request) -> Response:
        updated = services.notifications_mark_all_read(user=request.user)
        return Response({"updated": updated, "unread_count": 0})


class UnreadCountApi(APIView):
    @extend_schema(responses=UnreadCountOut)
    def get(self, request: Request) -> Response:
        return Response({"unread_count": selectors.unread_count(user=request.user)})


# --- group chats ---------------------------------------------------------------------------


def masked_webhook(url: str) -> str:
    """The webhook with its credentials hidden: query values and a token-like last path part
    (Feishu) keep only their last four characters."""
    parts = urlsplit(url)

    def mask(value: str) -> str:
        return "****" + value[-4:] if len(value) > 8 else "****"

    segments = parts.path.split("/")
    if segments and len(segments[-1]) >= 16:
        segments[-1] = mask(segments[-1])
    query = "&".join(f"{key}={mask(value)}" for key, value in parse_qsl(parts.query))
    return urlunsplit((parts.scheme, parts.netloc, "/".join(segments), query, ""))


class GroupChatOut(serializers.ModelSerializer):
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    webhook_url = serializers.SerializerMethodField(help_text="masked: the key is never returned")
    has_secret = serializers.SerializerMethodField()

    class Meta:
        model = GroupChat
        fields = ["id", "grid", "grid_name", "name", "provider", "webhook_url", "has_secret", "is_active", "created_at"]

    def get_webhook_url(self, chat: GroupChat) -> str:
        return masked_webhook(chat.webhook_url)

    def get_has_secret(self, chat: GroupChat) -> bool:
        return bool(chat.secret)


class GroupChatListApi(APIView):
    class GroupChatIn(serializers.Serializer):
        grid = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all())
        name = serializers.CharField(max_length=100)
        provider = serializers.ChoiceField(choices=Provider.choices)
        webhook_url = serializers.URLField(max_length=500)
        secret = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(
        parameters=[OpenApiParameter("grid", int), OpenApiParameter("provider", str, enum=Provider.values)],
        responses=GroupChatOut(many=True),
    )
    def get(self, request: Request) -> Response:
        return filtered_page(
            request, self, GroupChatFilter, selectors.group_chats_visible_to(user=request.user), GroupChatOut
        )

    @extend_schema(request=GroupChatIn, responses={201: GroupChatOut})
    def post(self, request: Request) -> Response:
        chat = services.group_chat_create(actor=request.user, **validated(self.GroupChatIn, request))
        return created(GroupChatOut(chat).data)


class GroupChatDetailApi(APIView):
    class GroupChatPatchIn(serializers.Serializer):
        name = serializers.CharField(max_length=100, required=False)
        is_active = serializers.BooleanField(required=False)
        webhook_url = serializers.URLField(max_length=500, required=False)
        secret = serializers.CharField(max_length=200, required=False, allow_blank=True)
        clear_secret = serializers.BooleanField(required=False)

    @extend_schema(responses=GroupChatOut)
    def get(self, request: Request, chat_id: int) -> Response:
        return Response(GroupChatOut(selectors.group_chat_get(user=request.user, chat_id=chat_id)).data)

    @extend_schema(request=GroupChatPatchIn, responses=GroupChatOut)
    def patch(self, request: Request, chat_id: int) -> Response:
        chat = selectors.group_chat_get(user=request.user, chat_id=chat_id)
        chat = services.group_chat_update(
            chat=chat, actor=request.user, **validated(self.GroupChatPatchIn, request, partial=True)
        )
        return Response(GroupChatOut(chat).data)


# --- deliveries ----------------------------------------------------------------------------


class DeliveryOut(serializers.ModelSerializer):
    event = serializers.CharField(source="message.event")
    title = serializers.CharField(source="message.title")
    chat_name = serializers.CharField(source="chat.name", default=None)
    announcement = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = [
            "id",
            "channel",
            "provider",
            "chat",
            "chat_name",
            "user",
            "event",
            "title",
            "announcement",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "sent_at",
            "created_at",
        ]

    def get_announcement(self, delivery: Delivery) -> int | None:
        announcement = getattr(delivery.message, "announcement", None)
        return announcement.pk if announcement else None


class GroupChatTestApi(APIView):
    @extend_schema(request=None, responses=DeliveryOut)
    def post(self, request: Request, chat_id: int) -> Response:
        chat = selectors.group_chat_get(user=request.user, chat_id=chat_id)
        delivery = services.group_chat_send_test(chat=chat, actor=request.user)
        return Response(DeliveryOut(delivery).data)


class DeliveryListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=DeliveryStatus.values),
            OpenApiParameter("announcement", int),
            OpenApiParameter("chat", int),
        ],
        responses=DeliveryOut(many=True),
    )
    def get(self, request: Request) -> Response:
        return filtered_page(
            request, self, DeliveryFilter, selectors.deliveries_visible_to(user=request.user), DeliveryOut
        )


class DeliveryDetailApi(APIView):
    @extend_schema(responses=DeliveryOut)
    def get(self, request: Request, delivery_id: int) -> Response:
        return Response(DeliveryOut(selectors.delivery_get(user=request.user, delivery_id=delivery_id)).data)


class DeliveryRetryApi(APIView):
    @extend_schema(request=None, responses=DeliveryOut)
    def post(self, request: Request, delivery_id: int) -> Response:
        delivery = selectors.delivery_get(user=request.user, delivery_id=delivery_id)
        services.delivery_retry(delivery=delivery, actor=request.user)
        return Response(DeliveryOut(selectors.delivery_get(user=request.user, delivery_id=delivery_id)).data)


# --- announcements -------------------------------------------------------------------------


class AnnouncementOut(serializers.ModelSerializer):
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    author_name = serializers.CharField(source="author.display_name", read_only=True)
    deliveries = serializers.SerializerMethodField()

    class Meta:
        model = Announcement
        fields = [
            "id",
            "grid",
            "grid_name",
            "title",
            "body",
            "channels",
            "author",
            "author_name",
            "recipients",
            "deliveries",
            "created_at",
        ]

    @extend_schema_field(
        inline_serializer("DeliveryCounts", {name: serializers.IntegerField() for name in DeliveryStatus.values})
    )
    def get_deliveries(self, announcement: Announcement) -> dict[str, int]:
        return selectors.delivery_counts(announcement)


class AnnouncementListApi(APIView):
    class AnnouncementIn(serializers.Serializer):
        grid = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all())
        title = serializers.CharField(max_length=100)
        body = serializers.CharField(max_length=5000)
        channels = serializers.ListField(
            child=serializers.ChoiceField(choices=sorted(services.ALL_CHANNELS)),
            allow_empty=False,
            default=["inbox", "group_chat"],
        )
        mention_all = serializers.BooleanField(required=False, default=False)

    @extend_schema(parameters=[OpenApiParameter("grid", int)], responses=AnnouncementOut(many=True))
    def get(self, request: Request) -> Response:
        return filtered_page(
            request, self, AnnouncementFilter, selectors.announcements_visible_to(user=request.user), AnnouncementOut
        )

    @extend_schema(request=AnnouncementIn, responses={201: AnnouncementOut})
    def post(self, request: Request) -> Response:
        announcement = services.announcement_create(actor=request.user, **validated(self.AnnouncementIn, request))
        shown = selectors.announcement_get(user=request.user, announcement_id=announcement.pk)
        return created(AnnouncementOut(shown).data)


class AnnouncementDetailApi(APIView):
    @extend_schema(responses=AnnouncementOut)
    def get(self, request: Request, announcement_id: int) -> Response:
        announcement = selectors.announcement_get(user=request.user, announcement_id=announcement_id)
        return Response(AnnouncementOut(announcement).data)

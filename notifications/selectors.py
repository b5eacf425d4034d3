"""Reads of the notifications app, scoped to the caller: a user's own inbox; staff see the
group chats, announcements and deliveries of their subtrees (anything else is 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from backend.errors import NotFound
from grids.roles import STAFF_ROLES
from grids.scope import path_q, reach_paths

from .models import Announcement, Delivery, DeliveryStatus, GroupChat, Notification


def inbox(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("message")


def notification_get(*, user: Any, notification_id: int) -> Notification:
    row = inbox(user=user).filter(pk=notification_id).first()
    if row is None:
        raise NotFound()
    return row


def unread_count(*, user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def _staff_paths(user: Any) -> list[str]:
    return reach_paths(user, STAFF_ROLES)


def group_chats_visible_to(*, user: Any) -> QuerySet[GroupChat]:
    return GroupChat.objects.filter(path_q(_staff_paths(user), "grid_path")).select_related("grid")


def group_chat_get(*, user: Any, chat_id: int) -> GroupChat:
    chat = group_chats_visible_to(user=user).filter(pk=chat_id).first()
    if chat is None:
        raise NotFound()
    return chat


def announcements_visible_to(*, user: Any) -> QuerySet[Announcement]:
    """With `deliveries_<status>` counts annotated (one grouped query for a whole page)."""
    counts = {
        f"deliveries_{status}": Count("message__deliveries", filter=Q(message__deliveries__status=status))
        for status in DeliveryStatus.values
    }
    return (
        Announcement.objects.filter(path_q(_staff_paths(user), "grid_path"))
        .select_related("grid", "author")
        .annotate(**counts)
    )


def announcement_get(*, user: Any, announcement_id: int) -> Announcement:
    announcement = announcements_visible_to(user=user).filter(pk=announcement_id).first()
    if announcement is None:
        raise NotFound()
    return announcement


def delivery_counts(announcement: Announcement) -> dict[str, int]:
    """{"pending","sent","failed","dead"} of an announcement from announcements_visible_to."""
    return {status: getattr(announcement, f"deliveries_{status}", 0) for status in DeliveryStatus.values}


def deliveries_visible_to(*, user: Any) -> QuerySet[Delivery]:
    return Delivery.objects.filter(path_q(_staff_paths(user), "grid_path")).select_related(
        "message__announcement", "chat"
    )


def delivery_get(*, user: Any, delivery_id: int) -> Delivery:
    row = deliveries_visible_to(user=user).filter(pk=delivery_id).first()
    if row is None:
        raise NotFound()
    return row

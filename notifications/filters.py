"""The query filters of the inbox, group chat, delivery and announcement lists, applied to the
rows the selectors already scoped to the caller (backend.filtering)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from backend.filtering import BooleanFilter, IntegerFilter

from .models import DeliveryStatus, Notification, Provider


class NotificationFilter(django_filters.FilterSet):
    unread = BooleanFilter(method="by_unread")

    def by_unread(self, rows: QuerySet[Notification], name: str, unread: bool) -> QuerySet[Notification]:
        return rows.filter(read_at__isnull=unread)


class GroupChatFilter(django_filters.FilterSet):
    grid = IntegerFilter(field_name="grid_id")
    provider = django_filters.ChoiceFilter(choices=Provider.choices)


class DeliveryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    announcement = IntegerFilter(field_name="message__announcement__pk")
    chat = IntegerFilter(field_name="chat_id")


class AnnouncementFilter(django_filters.FilterSet):
    grid = IntegerFilter(field_name="grid_id")

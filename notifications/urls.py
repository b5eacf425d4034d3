from django.urls import path

from backend.paths import on

from . import api

urlpatterns = [
    path("notifications", api.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/read-all", api.NotificationReadAllApi.as_view(), name="notification-read-all"),
    path("notifications/unread-count", api.UnreadCountApi.as_view(), name="notification-unread-count"),
    on("notification", "read", api.NotificationReadApi),
    path("group-chats", api.GroupChatListApi.as_view(), name="group-chat-list"),
    path("group-chats/<int:chat_id>", api.GroupChatDetailApi.as_view(), name="group-chat-detail"),
    path("group-chats/<int:chat_id>/test", api.GroupChatTestApi.as_view(), name="group-chat-test"),
    path("announcements", api.AnnouncementListApi.as_view(), name="announcement-list"),
    on("announcement", "", api.AnnouncementDetailApi),
    path("deliveries", api.DeliveryListApi.as_view(), name="delivery-list"),
    path("deliveries/<int:delivery_id>", api.DeliveryDetailApi.as_view(), name="delivery-detail"),
    path("deliveries/<int:delivery_id>/retry", api.DeliveryRetryApi.as_view(), name="delivery-retry"),
]

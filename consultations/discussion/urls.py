"""Routes of the discussion, under /api/v1/ (API.md; no trailing slashes)."""

from django.urls import path

from . import api

urlpatterns = [
    path("consultations/<int:consultation_id>/posts", api.PostListApi.as_view(), name="consultation-posts"),
    path("posts/<int:post_id>/report", api.PostReportApi.as_view(), name="post-report"),
    path("posts/<int:post_id>/hide", api.PostHideApi.as_view(), name="post-hide"),
    path("posts/<int:post_id>/unhide", api.PostUnhideApi.as_view(), name="post-unhide"),
    path("photos/<int:photo_id>/release", api.PhotoReleaseApi.as_view(), name="photo-release"),
    path("photos/<int:photo_id>/hide", api.PhotoHideApi.as_view(), name="photo-hide"),
    path("moderation/queue", api.ModerationQueueApi.as_view(), name="moderation-queue"),
]

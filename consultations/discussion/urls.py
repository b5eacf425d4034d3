"""Routes of the discussion, under /api/v1/ (API.md; no trailing slashes)."""

from django.urls import path

from backend.paths import on

from . import api

urlpatterns = [
    on("consultation", "posts", api.PostListApi),
    on("post", "report", api.PostReportApi),
    on("post", "hide", api.PostHideApi),
    on("post", "unhide", api.PostUnhideApi),
    on("photo", "release", api.PhotoReleaseApi),
    on("photo", "hide", api.PhotoHideApi),
    path("moderation/queue", api.ModerationQueueApi.as_view(), name="moderation-queue"),
]

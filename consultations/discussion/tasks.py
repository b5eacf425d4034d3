"""Periodic work of the discussion (beat: backend/settings/redis.py)."""

from __future__ import annotations

from celery import shared_task

from .. import photos
from ..models import Photo
from . import services


@shared_task(name="consultations.discussion.tasks.send_due_digests")
def send_due_digests() -> int:
    """Follower digests whose window has come: one message per follower and consultation."""
    return services.send_due_digests()


@shared_task(name="consultations.discussion.tasks.request_pending_photo_checks")
def request_pending_photo_checks(photo_ids: list[int] | None = None) -> int:
    """Photos still without a check request (WeChat was down, or just linked): ask again."""
    if photo_ids is None:
        photo_ids = list(
            Photo.objects.filter(check_status=Photo.Check.PENDING, trace_id__isnull=True).values_list("pk", flat=True)[
                :500
            ]
        )
    return photos.request_photo_checks(photo_ids=photo_ids)

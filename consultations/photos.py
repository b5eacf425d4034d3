"""Photos on topics and posts: the caller's own unused uploads (POST /attachments, claimed
through appeals.attachments, the one mechanism), checked by WeChat `mediaCheckAsync` and shown
only once its verdict is `pass`.

A photo's life (`Photo.check_status`):

- `pending`: linked; asked for a check after the commit (a task; the periodic task asks again
  for any the broker or WeChat missed), the `trace_id` stored. Hidden.
- the verdict pushed to backend.wechat_push (`do_record_photo_verdict`, idempotent: only a pending
  photo takes one): `pass` shows it; `risky` deletes its file and tells its author
  (`consultation_photo_rejected`); `review` keeps it hidden and puts it in the moderation
  queue, where staff of its reach release it (`pass`) or reject it (as `risky`, with a reason).
  Every one of these is a row of the moderation log.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from appeals.attachments import claim_uploads
from backend.content_check import MEDIA_PASSED, Scene, label_meaning, request_media_check
from backend.errors import Conflict, NotFound, require_reason
from backend.files import public_file_url
from backend.messages import Msg
from grids.scope import path_q
from notifications.services import notify

from .models import Consultation, ModerationLog, Photo, Post
from .permissions import ensure_staff
from .selectors import consultations_visible_to

Check = Photo.Check

# --- selectors ---------------------------------------------------------------------------


def consultation_of(photo: Photo) -> Consultation:
    """The consultation a photo belongs to: its topic's, or its post's."""
    return photo.consultation if photo.consultation_id else photo.post.consultation


def passed_photos_of_posts(post_ids: Iterable[int]) -> dict[int, list[Photo]]:
    """{post id: its passed photos, oldest first} for a page of posts, in one query."""
    found: dict[int, list[Photo]] = {}
    ids = list(post_ids)
    if not ids:
        return found
    rows = Photo.objects.filter(post_id__in=ids, check_status=Check.PASS).select_related("attachment").order_by("pk")
    for photo in rows:
        found.setdefault(photo.post_id, []).append(photo)
    return found


def passed_photos_of_topic(consultation_id: int) -> list[Photo]:
    rows = Photo.objects.filter(consultation_id=consultation_id, check_status=Check.PASS)
    return list(rows.select_related("attachment").order_by("pk"))


def photo_out(photo: Photo, *, request: Any = None) -> dict[str, Any]:
    """`{"id","url"}`: the URL signed (backend/files.py), absolute under PUBLIC_BASE_URL."""
    return {"id": photo.pk, "url": public_file_url(photo.attachment.file, request=request)}


def photo_get(*, user: Any, photo_id: int) -> Photo:
    """A photo of a consultation the caller may see, else 404."""
    visible = consultations_visible_to(user=user)
    found = (
        Photo.objects.filter(Q(consultation__in=visible) | Q(post__consultation__in=visible), pk=photo_id)
        .select_related("attachment__owner", "consultation", "post__consultation")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def queue_photos(*, paths: list[str]) -> QuerySet[Photo]:
    """Photos WeChat asked a person to look at, under `paths`, newest first."""
    where = path_q(paths, "consultation__grid_path") | path_q(paths, "post__consultation__grid_path")
    return (
        Photo.objects.filter(check_status=Check.REVIEW)
        .filter(where)
        .select_related("attachment__owner", "consultation", "post__consultation")
        .order_by("-pk")
    )


# --- linking and asking ------------------------------------------------------------------


def claim_photos(*, actor: Any, ids: Sequence[int]) -> list[Any]:
    """The caller's unused uploads to carry (at most CONSULTATION_MAX_PHOTOS), taken in the
    caller's transaction: 400 `too_many_attachments` / `invalid_attachment` otherwise."""
    return claim_uploads(actor=actor, ids=ids, limit=settings.CONSULTATION_MAX_PHOTOS)


def attach_photos(
    uploads: Sequence[Any], *, consultation: Consultation | None = None, post: Post | None = None
) -> list[Photo]:
    """The claimed uploads become the topic's or the post's photos, pending; their checks are
    asked after the commit."""
    if not uploads:
        return []
    photos = Photo.objects.bulk_create(
        [Photo(attachment=upload, consultation=consultation, post=post) for upload in uploads]
    )
    queue_photo_checks(photo_ids=[photo.pk for photo in photos])
    return photos


def link_photos(
    *, actor: Any, ids: Sequence[int], consultation: Consultation | None = None, post: Post | None = None
) -> list[Photo]:
    return attach_photos(claim_photos(actor=actor, ids=ids), consultation=consultation, post=post)


def queue_photo_checks(*, photo_ids: Iterable[int]) -> None:
    """Ask for the photos' checks after commit, off the request (a task)."""
    from .discussion.tasks import request_pending_photo_checks

    ids = list(photo_ids)
    if ids:
        transaction.on_commit(lambda: request_pending_photo_checks.delay(ids), robust=True)


def request_photo_checks(*, photo_ids: Iterable[int]) -> int:
    """Ask WeChat to check each pending photo not yet asked (outside any transaction: an outside
    call). Returns how many now have a trace_id or passed."""
    asked = 0
    rows = Photo.objects.filter(pk__in=list(photo_ids), check_status=Check.PENDING, trace_id__isnull=True)
    for photo in rows.select_related("attachment__owner"):
        request = request_media_check(
            # Signed like every photo URL we hand out; WeChat fetches it within minutes.
            media_url=public_file_url(photo.attachment.file),
            openid=photo.attachment.owner.openid or "",
            scene=Scene.FORUM if photo.consultation_id else Scene.COMMENT,
        )
        if request.status == MEDIA_PASSED:
            Photo.objects.filter(pk=photo.pk).update(check_status=Check.PASS)
            asked += 1
        elif request.trace_id:
            Photo.objects.filter(pk=photo.pk, trace_id__isnull=True).update(trace_id=request.trace_id)
            asked += 1
    return asked


# --- verdicts and moderation -------------------------------------------------------------


def _locked(photo_filter: Q) -> Photo | None:
    row = Photo.objects.select_for_update(of=("self",)).filter(photo_filter).first()
    if row is None:
        return None
    return Photo.objects.select_related("attachment__owner", "consultation", "post__consultation").get(pk=row.pk)


@transaction.atomic
def do_record_photo_verdict(*, trace_id: str, suggest: str, label: int) -> int:
    """The handler of pushed mediaCheckAsync verdicts (backend.wechat_push). Only a pending
    photo takes a verdict: a repeated push, or one for a photo staff settled, changes nothing."""
    photo = _locked(Q(trace_id=trace_id, check_status=Check.PENDING))
    if photo is None:
        return 0
    if suggest == "risky":
        _reject(photo, actor=None, reason=f"图片含有{label_meaning(label).zh}信息", label=label, now=timezone.now())
        return 1
    status = Check.PASS if suggest == "pass" else Check.REVIEW
    Photo.objects.filter(pk=photo.pk).update(check_status=status, check_label=str(label or ""))
    if status == Check.REVIEW:
        _log(photo, ModerationLog.Action.HOLD, reason=f"wechat:{label}")
    return 1


def _log(photo: Photo, action: str, *, actor: Any = None, reason: str = "", now: datetime | None = None) -> None:
    """The photo's row of the one moderation log (actor None: the check did it)."""
    ModerationLog.objects.create(
        consultation=consultation_of(photo),
        post=photo.post,
        photo=photo,
        actor=actor,
        action=action,
        reason=reason[:200],
        at=now or timezone.now(),
    )


def _context(photo: Photo, **extra: Any) -> dict[str, Any]:
    consultation = consultation_of(photo)
    return {"consultation_id": consultation.pk, "title": consultation.title, "photo_id": photo.pk, **extra}


def _reject(photo: Photo, *, actor: Any, reason: str, label: int | None, now: datetime) -> None:
    """Refuse a photo for good: never shown, its file deleted once the refusal commits, logged,
    its author told."""
    changes: dict[str, Any] = {"check_status": Check.RISKY}
    if label is not None:
        changes["check_label"] = str(label)
    Photo.objects.filter(pk=photo.pk).update(**changes)
    name = photo.attachment.file.name
    transaction.on_commit(lambda: default_storage.delete(name), robust=True)
    _log(photo, ModerationLog.Action.REJECT, actor=actor, reason=reason, now=now)
    notify(
        event="consultation_photo_rejected",
        users=[photo.attachment.owner_id],
        context=_context(photo, reason=reason),
        channels={"inbox"},
    )


def _in_review(photo: Photo) -> Photo:
    """The photo locked, awaiting review, else 409 (the caller's staff check comes first)."""
    locked = _locked(Q(pk=photo.pk))
    if locked is None or locked.check_status != Check.REVIEW:
        raise Conflict(Msg("该图片不在待审核状态。", "This photo is not held for review."), code="not_held")
    return locked


@transaction.atomic
def do_release_photo(*, photo: Photo, actor: Any, now: datetime | None = None) -> Photo:
    """Staff show a photo WeChat asked a person to look at; its author is told."""
    ensure_staff(actor, consultation_of(photo))  # 403: the caller already saw it
    photo = _in_review(photo)
    Photo.objects.filter(pk=photo.pk).update(check_status=Check.PASS)
    photo.check_status = Check.PASS
    _log(photo, ModerationLog.Action.APPROVE, actor=actor, now=now)
    notify(
        event="consultation_photo_released",
        users=[photo.attachment.owner_id],
        context=_context(photo),
        channels={"inbox"},
    )
    return photo


@transaction.atomic
def do_reject_photo(*, photo: Photo, actor: Any, reason: str, now: datetime | None = None) -> Photo:
    """Staff refuse a photo awaiting review, with the reason its author is told."""
    ensure_staff(actor, consultation_of(photo))
    reason = require_reason(reason, Msg("请说明不予通过的原因。", "A reason is required."))
    photo = _in_review(photo)
    _reject(photo, actor=actor, reason=reason, label=None, now=now or timezone.now())
    photo.check_status = Check.RISKY
    return photo

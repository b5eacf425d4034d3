"""An appeal's photos: uploaded (checked, EXIF location stripped) before the appeal that
carries them, their owner's alone until linked to it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from backend.errors import InvalidInput, PayloadTooLarge
from backend.messages import TOO_MANY, UNUSABLE_ATTACHMENTS, Msg
from residents.models import User

from . import images
from .models import Appeal, AppealAttachment


def attachment_upload(*, actor: User, file: Any) -> AppealAttachment:
    """Store a checked photo without its EXIF location; its owner's alone until linked.

    Not a transaction: decoding, stripping and re-encoding a phone photo costs tens of
    milliseconds of CPU and the store may be remote, so both happen before the one INSERT (an
    autocommit statement), and no connection sits in an open transaction meanwhile."""
    if file.size > settings.UPLOAD_MAX_BYTES:
        raise PayloadTooLarge(
            Msg("图片不能超过 {mb} MB。", "An image may be at most {mb} MB.").format(
                mb=settings.UPLOAD_MAX_BYTES // (1024 * 1024)
            ),
            fields={"file": [Msg("文件过大。", "too large")]},
        )
    clean = images.clean_image(file)
    today = timezone.localdate()
    name = default_storage.save(f"appeals/{today:%Y/%m}/{uuid.uuid4().hex}.{clean.extension}", ContentFile(clean.data))
    try:
        return AppealAttachment.objects.create(
            owner=actor,
            file=name,
            content_type=clean.content_type,
            size=len(clean.data),
            width=clean.width,
            height=clean.height,
        )
    except Exception:
        default_storage.delete(name)
        raise


def invalid_attachment() -> InvalidInput:
    """The one refusal of an attachment id that is unknown, someone else's or already used."""
    return InvalidInput(
        Msg("图片无效或已被使用。", "An attachment is unknown, not yours, or already used."),
        code="invalid_attachment",
        fields={"attachments": [UNUSABLE_ATTACHMENTS]},
    )


def claim_uploads(*, actor: User, ids: Sequence[int], limit: int) -> list[AppealAttachment]:
    """Take the caller's own unused uploads `ids` (at most `limit`) for whatever carries them:
    locked and marked used in the caller's transaction, so an upload is used once whichever
    app (an appeal, a consultation's topic or post) claims it. Returns them in id order.

    400 `too_many_attachments` beyond `limit`; 400 `invalid_attachment` for one that is
    unknown, someone else's or already used (the same answer for all three: an id of another's
    upload tells nothing)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    if len(ids) > limit:
        raise InvalidInput(
            Msg("最多上传 {n} 张图片。", "At most {n} images.").format(n=limit),
            code="too_many_attachments",
            fields={"attachments": [TOO_MANY]},
        )
    rows = list(AppealAttachment.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(rows) != len(ids) or any(r.owner_id != actor.pk or r.used_at is not None for r in rows):
        raise invalid_attachment()
    now = timezone.now()
    AppealAttachment.objects.filter(pk__in=ids).update(used_at=now)
    for row in rows:
        row.used_at = now
    return rows


def link_attachments(*, appeal: Appeal, actor: User, ids: Sequence[int]) -> list[AppealAttachment]:
    """Attach the caller's unused uploads to `appeal` (in the submitting transaction); returns them."""
    rows = claim_uploads(actor=actor, ids=ids, limit=settings.APPEAL_MAX_ATTACHMENTS)
    if rows:
        AppealAttachment.objects.filter(pk__in=[row.pk for row in rows]).update(appeal=appeal)
    for row in rows:
        row.appeal = appeal
    return rows

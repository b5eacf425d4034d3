"""Every write of the discussion: posts (with photos, consultations/photos.py), reports, hide
and unhide, digests; and the content check the core's services call for topics and objections.

For the core (topics, scene 3; objections, scene 2):

    verdict = screen_text(actor=actor, texts={"title": title, "body": body}, scene=Scene.FORUM)
    ...  # ContentRejected (400 content_rejected) has already refused a risky text
    consultation.moderation = held_status(verdict)      # "held" or "visible"
    consultation.moderation_label = held_label(verdict)
    ... save ...
    log_hold(consultation=consultation, verdict=verdict)            # or objection=objection
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from backend import workflow
from backend.content_check import ContentRejected, Scene, TextVerdict, check_texts, label_meaning
from backend.errors import Conflict, InvalidInput, PermissionDenied, require_reason
from backend.messages import Msg
from notifications.services import notify

from .. import photos
from ..models import (
    DISCUSSION_STATUSES,
    MAX_POST,
    MAX_REPLY_DEPTH,
    Consultation,
    Follow,
    ModerationLog,
    Objection,
    Post,
    PostReport,
    PostStatus,
)
from ..permissions import is_staff_of, lives_under
from . import realtime
from .selectors import seen_by_q, thread_key

# --- content checks (one entry for every resident's text) ---------------------------------


def screen_text(*, actor: Any, texts: dict[str, str], scene: Scene) -> TextVerdict:
    """The content check of a write: raises ContentRejected (400) for a risky text; otherwise
    a verdict that says whether to store it held."""
    return check_texts(texts=texts, scene=scene, openid=getattr(actor, "openid", None) or "")


def held_status(verdict: TextVerdict) -> str:
    return PostStatus.HELD if verdict.held else PostStatus.VISIBLE


def held_label(verdict: TextVerdict) -> str:
    """What the queue shows as the reason: the label's code, or "unreachable"."""
    if not verdict.held:
        return ""
    return str(verdict.label) if verdict.label else verdict.reason


def log_hold(
    *, consultation: Consultation, verdict: TextVerdict, post: Post | None = None, objection: Objection | None = None
) -> None:
    """The moderation log row of a text the check held (no actor: the system held it)."""
    if verdict.held:
        ModerationLog.objects.create(
            consultation=consultation,
            post=post,
            objection=objection,
            action=ModerationLog.Action.HOLD,
            reason=f"{verdict.source}:{held_label(verdict)}",
        )


# --- posts -------------------------------------------------------------------------------


def ensure_may_post(actor: Any, consultation: Consultation) -> None:
    """Staff of its reach, or a verified resident of its unit's subtree (others who can see it,
    e.g. an author who moved away, read but do not write)."""
    if is_staff_of(actor, consultation) or lives_under(actor, consultation.grid_path):
        return
    raise PermissionDenied(
        Msg("只有本网格的居民和工作人员可以发言。", "Only residents and staff of this unit may post."),
        code="not_resident",
    )


def _ensure_open(consultation: Consultation) -> None:
    if consultation.status not in DISCUSSION_STATUSES:
        raise Conflict(
            Msg("该议题已结束讨论。", "This consultation is closed for discussion."), code="discussion_closed"
        )


def _parent(consultation: Consultation, actor: Any, reply_to: int | None) -> Post | None:
    if reply_to is None:
        return None
    parent = Post.objects.filter(seen_by_q(actor), pk=reply_to, consultation=consultation).first()
    if parent is None or parent.status != PostStatus.VISIBLE:
        raise InvalidInput(
            Msg("所回复的发言不存在或不可回复。", "The post replied to is unknown or cannot be replied to."),
            code="invalid_reply_to",
            fields={"reply_to": [Msg("不存在、已隐藏或待审核。", "unknown, hidden or held")]},
        )
    if parent.depth >= MAX_REPLY_DEPTH:
        raise InvalidInput(
            Msg(f"回复最多嵌套 {MAX_REPLY_DEPTH} 层。", f"Replies nest at most {MAX_REPLY_DEPTH} deep."),
            code="reply_too_deep",
            fields={"reply_to": [Msg("最多 {n} 层回复。", "at most {n} levels of replies").format(n=MAX_REPLY_DEPTH)]},
        )
    return parent


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput(
            Msg("发言内容不能为空。", "The post is empty."),
            code="empty_text",
            fields={"body": [Msg("不能为空。", "empty")]},
        )
    if len(body) > MAX_POST:
        raise InvalidInput(
            Msg(f"发言不能超过 {MAX_POST} 字。", f"A post has at most {MAX_POST} characters."),
            code="text_too_long",
            fields={"body": [Msg("最多 {n} 个字符。", "at most {n} characters").format(n=MAX_POST)]},
        )
    return body


def follow(consultation: Consultation, user_ids: Iterable[int]) -> None:
    """Follow by themselves (posters): idempotent, one INSERT."""
    rows = [Follow(consultation=consultation, user_id=user_id) for user_id in set(user_ids)]
    Follow.objects.bulk_create(rows, ignore_conflicts=True)


def _context(consultation: Consultation, **extra: Any) -> dict[str, Any]:
    return {"consultation_id": consultation.pk, "title": consultation.title, **extra}


@transaction.atomic
def do_create_post(
    *,
    consultation: Consultation,
    actor: Any,
    body: str,
    reply_to: int | None = None,
    stance: str = "",
    attachments: Sequence[int] = (),
    now: datetime | None = None,
) -> Post:
    """A post or a reply: authorization, then input (the photos claimed), then the content
    check (a risky text is refused and nothing is stored; a held one is stored for its author
    and the queue). Photos stay hidden until their own check passes."""
    now = now or timezone.now()
    ensure_may_post(actor, consultation)
    body = _clean_body(body)
    _ensure_open(consultation)
    parent = _parent(consultation, actor, reply_to)
    uploads = photos.claim_photos(actor=actor, ids=attachments)
    verdict = screen_text(actor=actor, texts={"body": body}, scene=Scene.COMMENT)
    post = Post.objects.create(
        consultation=consultation,
        author=actor,
        reply_to=parent,
        depth=parent.depth + 1 if parent is not None else 0,
        stance=stance or "",
        body=body,
        status=held_status(verdict),
        held_label=held_label(verdict),
        created_at=now,
    )
    post.thread_key = thread_key(parent, post.pk)
    Post.objects.filter(pk=post.pk).update(thread_key=post.thread_key)
    photos.attach_photos(uploads, post=post)
    follow(consultation, [actor.pk])
    if verdict.held:
        log_hold(consultation=consultation, verdict=verdict, post=post)
        notify(event="consultation_post_held", users=[actor], context=_context(consultation, post_id=post.pk))
        return post
    _published(consultation, post, parent, now=now)
    return post


def _published(consultation: Consultation, post: Post, parent: Post | None, *, now: datetime) -> None:
    """A post became visible: count it, tell the parent's author, queue the followers' digest,
    push it to the thread's live subscribers."""
    Consultation.objects.filter(pk=consultation.pk).update(post_count=F("post_count") + 1)
    if parent is not None and parent.author_id != post.author_id:
        notify(
            event="consultation_post_reply",
            users=[parent.author_id],
            context=_context(consultation, post_id=post.pk),
            channels={"inbox"},
        )
    _queue_digest(consultation, post, now=now)
    realtime.publish_post(post, "post_created")


def _queue_digest(consultation: Consultation, post: Post, *, now: datetime) -> None:
    """Mark the followers (not the writer) due a digest: now if they were not told within the
    window, else when the window ends. Only followers with no digest due yet are touched, so a
    busy thread costs one indexed no-op UPDATE per post."""
    window = timedelta(minutes=settings.CONSULTATION_DIGEST_WINDOW_MINUTES)
    due = Follow.objects.filter(consultation=consultation, digest_due_at__isnull=True).exclude(user_id=post.author_id)
    due.filter(Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lte=now - window)).update(digest_due_at=now)
    due.filter(digest_sent_at__gt=now - window).update(digest_due_at=F("digest_sent_at") + window)


# --- digests -----------------------------------------------------------------------------


def send_due_digests(*, now: datetime | None = None, batch: int = 500) -> int:
    """Send every follower digest that is due: one inbox message per (follower, consultation)
    with the number of new posts by others since the last one. Returns messages sent."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(
                Follow.objects.select_for_update(skip_locked=True)
                .filter(digest_due_at__lte=now)
                .select_related("consultation")
                .order_by("digest_due_at")[:batch]
            )
            if not rows:
                return sent
            for row in rows:
                sent += _send_digest(row, now=now)
            Follow.objects.filter(pk__in=[row.pk for row in rows]).update(digest_due_at=None, digest_sent_at=now)
        if len(rows) < batch:
            return sent


def _send_digest(row: Follow, *, now: datetime) -> int:
    since = row.digest_sent_at or row.created_at
    new = (
        Post.objects.filter(consultation_id=row.consultation_id, status=PostStatus.VISIBLE, created_at__gt=since)
        .exclude(author_id=row.user_id)
        .filter(created_at__lte=now)
        .count()
    )
    if not new:
        return 0
    notify(
        event="consultation_posts_digest",
        users=[row.user_id],
        context=_context(row.consultation, count=new),
        channels={"inbox"},
    )
    return 1


# --- reports -----------------------------------------------------------------------------


AUTO_HIDE_REASON = Msg("举报较多，待审核", "Reported by several people; awaiting review")


def _lock_post(post: Post) -> Post:
    """The post re-read under its row lock, keeping the consultation already loaded."""
    fresh = workflow.lock(post)
    fresh.consultation = post.consultation
    return fresh


@transaction.atomic
def do_report_post(*, post: Post, actor: Any, reason: str, note: str = "", now: datetime | None = None) -> Post:
    """Anyone who can see the post, once. The Nth open report (a setting) hides it pending review."""
    now = now or timezone.now()
    if post.author_id == actor.pk:
        raise InvalidInput(Msg("不能举报自己的发言。", "You cannot report your own post."), code="own_post")
    post = _lock_post(post)
    if post.status == PostStatus.HIDDEN:
        raise Conflict(Msg("该发言已被隐藏。", "This post is already hidden."), code="already_hidden")
    try:
        with transaction.atomic():
            PostReport.objects.create(post=post, reporter=actor, reason=reason, note=note, created_at=now)
    except IntegrityError:
        raise Conflict(
            Msg("您已举报过这条发言。", "You have already reported this post."), code="already_reported"
        ) from None
    post.report_count += 1
    changes: dict[str, Any] = {"report_count": post.report_count}
    auto_hide = post.status == PostStatus.VISIBLE and post.report_count >= settings.CONSULTATION_REPORTS_TO_HIDE
    if auto_hide:
        changes.update(status=PostStatus.HIDDEN, hidden_reason=str(AUTO_HIDE_REASON), hidden_at=now, hidden_by=None)
    Post.objects.filter(pk=post.pk).update(**changes)
    for name, value in changes.items():
        setattr(post, name, value)
    if auto_hide:
        consultation = post.consultation
        _moderated(post, action=ModerationLog.Action.AUTO_HIDE, actor=None, reason=post.hidden_reason, now=now)
        Consultation.objects.filter(pk=consultation.pk).update(post_count=F("post_count") - 1)
        notify(
            event="consultation_post_auto_hidden",
            users=_handlers_of(consultation),
            context=_context(consultation, post_id=post.pk, count=post.report_count),
            channels={"inbox"},
        )
    return post


def _handlers_of(consultation: Consultation) -> Any:
    from ..selectors import unit_handlers

    return unit_handlers(consultation.grid)


def _moderated(post: Post, *, action: str, actor: Any, reason: str, now: datetime) -> None:
    """Log the action, settle the open reports it decided, tell the author, update live views."""
    ModerationLog.objects.create(
        consultation_id=post.consultation_id, post=post, actor=actor, action=action, reason=reason, at=now
    )
    event = {
        ModerationLog.Action.HIDE: "consultation_post_hidden",
        ModerationLog.Action.AUTO_HIDE: "consultation_post_hidden",
        ModerationLog.Action.REJECT: "consultation_post_hidden",
        ModerationLog.Action.UNHIDE: "consultation_post_restored",
        ModerationLog.Action.APPROVE: "consultation_post_restored",
    }[action]
    notify(
        event=event,
        users=[post.author_id],
        context=_context(post.consultation, post_id=post.pk, reason=reason),
        channels={"inbox"},
    )
    realtime.publish_post(post, "post_updated")


# --- hide and unhide (staff of its reach) ---------------------------------------------------


def ensure_moderator(actor: Any, post: Post) -> None:
    if not is_staff_of(actor, post.consultation):
        raise PermissionDenied(
            Msg("只有该网格的工作人员可以管理发言。", "Only the unit's staff may moderate posts."), code="not_staff"
        )


@transaction.atomic
def do_hide_post(*, post: Post, actor: Any, reason: str, now: datetime | None = None) -> Post:
    now = now or timezone.now()
    ensure_moderator(actor, post)
    reason = require_reason(reason, Msg("请说明隐藏原因。", "A reason is required."))
    post = _lock_post(post)
    if post.status == PostStatus.HIDDEN and post.hidden_by_id is not None:
        raise Conflict(Msg("该发言已被隐藏。", "This post is already hidden."), code="already_hidden")
    _hide(post, actor=actor, reason=reason, now=now)
    return post


def _hide(post: Post, *, actor: Any, reason: str, now: datetime) -> None:
    """Hide a locked post (a held one: rejected); `actor` None: the content check did it."""
    was_visible = post.status == PostStatus.VISIBLE
    action = ModerationLog.Action.REJECT if post.status == PostStatus.HELD else ModerationLog.Action.HIDE
    changes = {
        "status": PostStatus.HIDDEN,
        "hidden_reason": reason[:200],
        "hidden_at": now,
        "hidden_by": actor,
        "report_count": 0,
    }
    _apply(post, changes)
    PostReport.objects.filter(post=post, resolved_at__isnull=True).update(resolved_at=now)
    if was_visible:
        Consultation.objects.filter(pk=post.consultation_id).update(post_count=F("post_count") - 1)
    _moderated(post, action=action, actor=actor, reason=post.hidden_reason, now=now)


@transaction.atomic
def do_unhide_post(*, post: Post, actor: Any, now: datetime | None = None) -> Post:
    """Show a hidden post again, or release a held one (the check's `review`, WeChat down)."""
    now = now or timezone.now()
    ensure_moderator(actor, post)
    consultation = post.consultation
    post = _lock_post(post)
    if post.status == PostStatus.VISIBLE:
        raise Conflict(Msg("该发言当前可见。", "This post is not hidden."), code="not_hidden")
    _show(post, consultation, actor=actor, now=now)
    return post


def _show(post: Post, consultation: Consultation, *, actor: Any, now: datetime) -> None:
    """Show a locked hidden post again, or publish a held one; `actor` None: the check did it."""
    action = ModerationLog.Action.APPROVE if post.status == PostStatus.HELD else ModerationLog.Action.UNHIDE
    _apply(
        post,
        {
            "status": PostStatus.VISIBLE,
            "hidden_reason": "",
            "hidden_at": None,
            "hidden_by": None,
            "held_label": "",
            "report_count": 0,
        },
    )
    PostReport.objects.filter(post=post, resolved_at__isnull=True).update(resolved_at=now)
    _moderated(post, action=action, actor=actor, reason="", now=now)
    if action == ModerationLog.Action.APPROVE:
        parent = Post.objects.filter(pk=post.reply_to_id).first() if post.reply_to_id else None
        _published(consultation, post, parent, now=now)
    else:
        Consultation.objects.filter(pk=consultation.pk).update(post_count=F("post_count") + 1)


# --- held because WeChat was unreachable: checked again ------------------------------------

UNREACHABLE = "unreachable"  # held_label of a text held without WeChat's verdict (held_label())


def recheck_held_posts(*, now: datetime | None = None, batch: int = 100) -> dict[str, int]:
    """Posts held only because WeChat gave no verdict, checked again (oldest first, outside any
    transaction: the check is an outside call): `pass` publishes, `risky` rejects (hidden, the
    author told), `review` leaves it held for staff with WeChat's label. Stops at the first
    post WeChat still does not answer, so a long outage costs one call per run."""
    counts = {"published": 0, "rejected": 0, "review": 0, "still_unreachable": 0}
    rows = Post.objects.filter(status=PostStatus.HELD, held_label=UNREACHABLE).select_related("author", "consultation")
    for post in rows.order_by("pk")[:batch]:
        try:
            verdict = screen_text(actor=post.author, texts={"body": post.body}, scene=Scene.COMMENT)
        except ContentRejected as exc:
            _settle_held(post, verdict=None, rejected=label_meaning(exc.label).zh, now=now)
            counts["rejected"] += 1
            continue
        if verdict.held and verdict.reason == UNREACHABLE:
            counts["still_unreachable"] += 1
            break
        _settle_held(post, verdict=verdict, rejected="", now=now)
        counts["review" if verdict.held else "published"] += 1
    return counts


@transaction.atomic
def _settle_held(post: Post, *, verdict: TextVerdict | None, rejected: str, now: datetime | None) -> None:
    """Apply a re-check's verdict, unless a moderator settled the post meanwhile."""
    now = now or timezone.now()
    post = _lock_post(post)
    if post.status != PostStatus.HELD or post.held_label != UNREACHABLE:
        return
    consultation = post.consultation
    if verdict is None:
        _hide(post, actor=None, reason=f"内容含有{rejected}信息", now=now)
    elif verdict.held:
        _apply(post, {"held_label": held_label(verdict)})
        log_hold(consultation=consultation, verdict=verdict, post=post)
    else:
        _show(post, consultation, actor=None, now=now)


def _apply(post: Post, changes: dict[str, Any]) -> None:
    Post.objects.filter(pk=post.pk).update(**changes)
    for name, value in changes.items():
        setattr(post, name, value)


def report_reasons(post: Post) -> dict[str, int]:
    rows = PostReport.objects.filter(post=post, resolved_at__isnull=True).values("reason").annotate(n=Count("pk"))
    return {row["reason"]: row["n"] for row in rows}

"""Reads of the discussion, always scoped through the core's `consultations_visible_to`: a post
outside what the caller may see is 404, like its consultation.

Thread order is `Post.thread_key`: the zero-padded ids of the post's ancestors and its own,
dot-joined ("000000000012.000000000034"), so sorting by it lists each post right after its
parent and siblings oldest first; a page is one range scan of the (consultation, thread_key)
index. Held posts are shown only to their author; hidden posts stay as placeholders.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, QuerySet

from backend.errors import NotFound
from grids.models import GridUnit
from grids.roles import HANDLER_ROLES
from grids.scope import in_reach, path_q, reach_paths

from ..models import Consultation, Objection, Post, PostReport, PostStatus
from ..photos import queue_photos
from ..selectors import consultations_visible_to

KEY_WIDTH = 12  # digits of one id in a thread key: 10^12 posts


def key_part(post_id: int) -> str:
    return f"{post_id:0{KEY_WIDTH}d}"


def thread_key(parent: Post | None, post_id: int) -> str:
    return f"{parent.thread_key}.{key_part(post_id)}" if parent is not None else key_part(post_id)


# A page loads these columns and only the author's names, as plain rows (no model instances:
# building them cost more CPU than the query): the author row's other columns (an encrypted
# phone among them) would be decrypted for every post otherwise.
THREAD_COLUMNS = (
    "id",
    "consultation_id",
    "author_id",
    "reply_to_id",
    "depth",
    "thread_key",
    "stance",
    "body",
    "status",
    "hidden_reason",
    "hidden_at",
    "created_at",
)


def seen_by_q(user: Any) -> Q:
    """Posts a caller sees in a thread: visible ones, placeholders of hidden ones, their own held."""
    shown = Q(status__in=[PostStatus.VISIBLE, PostStatus.HIDDEN])
    return shown | Q(author_id=user.pk) if getattr(user, "is_authenticated", False) else shown


def thread(*, user: Any, consultation_id: int) -> QuerySet[Post]:
    """The thread's posts the caller may see, as rows of THREAD_COLUMNS and the author's names
    (PostOut renders them; the view paginates by thread_key)."""
    return Post.objects.filter(seen_by_q(user), consultation_id=consultation_id).values(
        *THREAD_COLUMNS, author_nickname=F("author__nickname"), author_name=F("author__name")
    )


def post_get(*, user: Any, post_id: int) -> Post:
    """A post of a consultation the caller may see, and that they may see themselves (its
    moderators see held ones too); else 404."""
    moderated = path_q(reach_paths(user, HANDLER_ROLES), "consultation__grid_path")
    found = (
        Post.objects.filter(seen_by_q(user) | moderated, pk=post_id)
        .filter(consultation__in=consultations_visible_to(user=user))
        .select_related("consultation__grid", "author")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


# --- the moderation queue ----------------------------------------------------------------

QUEUE_KINDS = ("post", "objection", "consultation", "photo")


def moderation_paths(*, user: Any, grid: GridUnit | None = None) -> list[str]:
    """The subtrees whose texts the caller moderates (optionally narrowed to `grid`, which must
    be in reach: 404 otherwise)."""
    paths = reach_paths(user, HANDLER_ROLES)
    if grid is None:
        return paths
    if not in_reach(user, grid, HANDLER_ROLES):
        raise NotFound()
    return [grid.path]


def queue_posts(*, paths: list[str]) -> QuerySet[Post]:
    """Held posts and posts with open reports under `paths`, with their report reasons counted."""
    return (
        Post.objects.filter(Q(status=PostStatus.HELD) | Q(report_count__gt=0))
        .filter(path_q(paths, "consultation__grid_path"))
        .select_related("author", "consultation")
    )


def queue_objections(*, paths: list[str]) -> QuerySet[Objection]:
    return (
        Objection.objects.filter(status=PostStatus.HELD)
        .filter(path_q(paths, "consultation__grid_path"))
        .select_related("author", "consultation")
    )


def queue_consultations(*, paths: list[str]) -> QuerySet[Consultation]:
    return (
        Consultation.objects.filter(moderation=PostStatus.HELD)
        .filter(path_q(paths, "grid_path"))
        .select_related("author")
    )


def queue_counts(*, paths: list[str]) -> dict[str, int]:
    """The queue's sizes: held posts, reported posts (still shown), posts hidden by their reports
    awaiting review, held objections, held topics and photos awaiting review. Four queries however
    large the queue."""
    posts = queue_posts(paths=paths).aggregate(
        held=Count("pk", filter=Q(status=PostStatus.HELD)),
        reported=Count("pk", filter=Q(status=PostStatus.VISIBLE, report_count__gt=0)),
        hidden_pending=Count("pk", filter=Q(status=PostStatus.HIDDEN, report_count__gt=0)),
    )
    return {
        "posts_held": posts["held"],
        "posts_reported": posts["reported"],
        "posts_hidden_pending": posts["hidden_pending"],
        "objections_held": queue_objections(paths=paths).count(),
        "consultations_held": queue_consultations(paths=paths).count(),
        "photos_held": queue_photos(paths=paths).count(),
    }


def open_report_reasons(post_ids: list[int]) -> dict[int, dict[str, int]]:
    """{post id: {reason: open reports}} for a page of the queue, in one query."""
    found: dict[int, dict[str, int]] = {}
    rows = (
        PostReport.objects.filter(post_id__in=post_ids, resolved_at__isnull=True)
        .values("post_id", "reason")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        found.setdefault(row["post_id"], {})[row["reason"]] = row["n"]
    return found

"""How a post reads, in the thread list, in answers to writes and on the live WebSocket."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import MAX_POST, Consultation, Photo, Post, PostStance, PostStatus, ReportReason
from ..photos import consultation_of, passed_photos_of_posts, photo_out
from ..serializers import ActorOut
from .selectors import THREAD_COLUMNS

ANONYMOUS = "居民"


def nickname(user: Any) -> str:
    """What neighbours see of a writer: the WeChat nickname, a staff member's name, or 居民."""
    return user.nickname or user.name or ANONYMOUS


PostAuthorOut = ActorOut  # a nickname and an id: nothing personal in a thread


_DATETIME = serializers.DateTimeField()


def render_datetime(value: Any) -> str | None:
    """A datetime as DRF's DateTimeField renders it (for the hand-built list rows)."""
    return None if value is None else _DATETIME.to_representation(value)


def thread_row(post: Post) -> dict[str, Any]:
    """A post instance as the row `selectors.thread` reads (the one shape PostOut renders)."""
    row = {name: getattr(post, name) for name in THREAD_COLUMNS}
    row["author_nickname"], row["author_name"] = post.author.nickname, post.author.name
    return row


class PhotoOut(serializers.Serializer):
    """A photo that passed its check: the URL is signed and works for a short while."""

    id = serializers.IntegerField()
    url = serializers.URLField()

    def to_representation(self, photo: Photo) -> dict[str, Any]:
        return photo_out(photo, request=self.context.get("request"))


def attachments_field() -> serializers.ListField:
    """Ids of the caller's own unused uploads (POST /attachments); the service counts them
    against CONSULTATION_MAX_PHOTOS (400 too_many_attachments), the bound here only stops abuse."""
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=100
    )


class PostList(serializers.ListSerializer):
    """A page of posts with their passed photos, loaded in one query."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        rows = list(data)
        ids = [row["id"] if isinstance(row, dict) else row.pk for row in rows]
        self.child.context["photos"] = passed_photos_of_posts(ids)
        return super().to_representation(rows)


class PostOut(serializers.ModelSerializer):
    """A post; a hidden one is a placeholder (no author, body or stance) that keeps its place so
    that its replies keep theirs. `held`: the content check holds it (only its author sees it)."""

    # The declared fields are the schema; `to_representation` builds the same keys straight
    # from a thread row (or a Post): a page is rendered on every read, and DRF's per-field
    # machinery cost more CPU than the page's query.

    author = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    stance = serializers.SerializerMethodField()
    hidden = serializers.BooleanField(read_only=True)
    held = serializers.BooleanField(read_only=True)
    mine = serializers.BooleanField(read_only=True)
    photos = PhotoOut(many=True, read_only=True, help_text="passed photos only; none on a hidden post")

    class Meta:
        model = Post
        list_serializer_class = PostList
        fields = [
            "id",
            "consultation",
            "reply_to",
            "depth",
            "author",
            "body",
            "stance",
            "status",
            "hidden",
            "hidden_reason",
            "hidden_at",
            "held",
            "mine",
            "photos",
            "created_at",
        ]

    @extend_schema_field(PostAuthorOut(allow_null=True))
    def get_author(self, post: Any) -> dict[str, Any] | None:  # schema only (to_representation)
        return None

    def get_body(self, post: Any) -> str:  # schema only
        return ""

    def get_stance(self, post: Any) -> str:  # schema only
        return ""

    def to_representation(self, post: Post | dict[str, Any]) -> dict[str, Any]:
        row = post if isinstance(post, dict) else thread_row(post)
        hidden = row["status"] == PostStatus.HIDDEN
        return {
            "id": row["id"],
            "consultation": row["consultation_id"],
            "reply_to": row["reply_to_id"],
            "depth": row["depth"],
            "author": None
            if hidden
            else {"id": row["author_id"], "nickname": row["author_nickname"] or row["author_name"] or ANONYMOUS},
            "body": "" if hidden else row["body"],
            "stance": "" if hidden else row["stance"],
            "status": row["status"],
            "hidden": hidden,
            "hidden_reason": row["hidden_reason"],
            "hidden_at": render_datetime(row["hidden_at"]),
            "held": row["status"] == PostStatus.HELD,
            "mine": row["author_id"] == self.context.get("viewer_id"),
            "photos": [] if hidden else self._photos(row["id"]),
            "created_at": render_datetime(row["created_at"]),
        }

    def _photos(self, post_id: int) -> list[dict[str, Any]]:
        # A page's photos were loaded by PostList; a single post (an answer, a live push) asks.
        found = self.context.get("photos")
        rows = found.get(post_id, []) if found is not None else passed_photos_of_posts([post_id]).get(post_id, [])
        request = self.context.get("request")
        return [photo_out(photo, request=request) for photo in rows]


class PostIn(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_POST, trim_whitespace=True, allow_blank=False)
    reply_to = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    stance = serializers.ChoiceField(choices=PostStance.choices, required=False, allow_blank=True)
    attachments = attachments_field()


class ReportIn(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class HideIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=False)


class ModeratedPostOut(PostOut):
    """A post as its moderators see it: the text even when hidden, and why it is in the queue."""

    original_body = serializers.CharField(source="body", read_only=True)
    consultation_title = serializers.CharField(source="consultation.title", read_only=True)
    held_label = serializers.CharField(read_only=True)
    report_count = serializers.IntegerField(read_only=True)
    report_reasons = serializers.SerializerMethodField()

    class Meta(PostOut.Meta):
        fields = [
            *PostOut.Meta.fields,
            "original_body",
            "consultation_title",
            "held_label",
            "report_count",
            "report_reasons",
        ]

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_report_reasons(self, post: Post) -> dict[str, int]:
        return self.context.get("reasons", {}).get(post.pk, {})

    def to_representation(self, post: Post) -> dict[str, Any]:
        return {
            **super().to_representation(post),
            "original_body": post.body,
            "consultation_title": post.consultation.title,
            "held_label": post.held_label,
            "report_count": post.report_count,
            "report_reasons": self.get_report_reasons(post),
        }


class QueuedPostList(PostList):
    """A page of queued posts with their open report reasons, counted in one query."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        from .selectors import open_report_reasons

        rows = list(data)
        self.child.context["reasons"] = open_report_reasons([row.pk for row in rows])
        return super().to_representation(rows)


class QueuedPostOut(ModeratedPostOut):
    """A post in the queue; `kind` tells it from the held texts (QueueTextOut) of other pages."""

    kind = serializers.ChoiceField(choices=[("post", "post")], read_only=True)

    class Meta(ModeratedPostOut.Meta):
        fields = ["kind", *ModeratedPostOut.Meta.fields]
        list_serializer_class = QueuedPostList

    def to_representation(self, post: Post) -> dict[str, Any]:
        return {"kind": "post", **super().to_representation(post)}


class QueueTextOut(serializers.Serializer):
    """A held objection or topic in the queue, in one shape."""

    kind = serializers.ChoiceField(choices=[("objection", "objection"), ("consultation", "consultation")])
    id = serializers.IntegerField()
    consultation = serializers.IntegerField()
    consultation_title = serializers.CharField()
    text = serializers.CharField()
    held_label = serializers.CharField()
    author = PostAuthorOut()
    created_at = serializers.DateTimeField()

    def to_representation(self, row: Any) -> dict[str, Any]:
        topic = isinstance(row, Consultation)
        consultation = row if topic else row.consultation
        return super().to_representation(
            {
                "kind": "consultation" if topic else "objection",
                "id": row.pk,
                "consultation": consultation.pk,
                "consultation_title": consultation.title,
                "text": f"{row.title}\n{row.body}" if topic else row.body,
                "held_label": row.moderation_label if topic else row.held_label,
                "author": {"id": row.author_id, "nickname": nickname(row.author)},
                "created_at": row.created_at,
            }
        )


class QueuePhotoOut(QueueTextOut):
    """A photo WeChat asked a person to look at, in the queue's shape with its post (if any)
    and a signed URL instead of a text."""

    text = None  # type: ignore[assignment]
    post = serializers.IntegerField(allow_null=True)
    url = serializers.URLField()

    def to_representation(self, photo: Photo) -> dict[str, Any]:
        consultation = consultation_of(photo)
        owner = photo.attachment.owner
        return serializers.Serializer.to_representation(
            self,
            {
                "kind": "photo",
                "id": photo.pk,
                "consultation": consultation.pk,
                "consultation_title": consultation.title,
                "post": photo.post_id,
                "url": photo_out(photo, request=self.context.get("request"))["url"],
                "held_label": photo.check_label,
                "author": {"id": owner.pk, "nickname": nickname(owner)},
                "created_at": photo.created_at,
            },
        )


class QueueCountsOut(serializers.Serializer):
    posts_held = serializers.IntegerField()
    posts_reported = serializers.IntegerField()
    posts_hidden_pending = serializers.IntegerField()
    objections_held = serializers.IntegerField()
    consultations_held = serializers.IntegerField()
    photos_held = serializers.IntegerField()

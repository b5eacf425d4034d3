"""How a post reads, in the thread list, in answers to writes and on the live WebSocket."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import MAX_POST, Consultation, Post, PostStance, PostStatus, ReportReason


def nickname(user: Any) -> str:
    """What neighbours see of a writer: the WeChat nickname, a staff member's name, or 居民."""
    return user.nickname or user.name or "居民"


class PostAuthorOut(serializers.Serializer):
    """A nickname and an id: nothing personal in a thread."""

    id = serializers.IntegerField()
    nickname = serializers.CharField()


class PostOut(serializers.ModelSerializer):
    """A post; a hidden one is a placeholder (no author, body or stance) that keeps its place so
    that its replies keep theirs. `held`: the content check holds it (only its author sees it)."""

    author = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    stance = serializers.SerializerMethodField()
    hidden = serializers.SerializerMethodField()
    held = serializers.SerializerMethodField()
    mine = serializers.SerializerMethodField()

    class Meta:
        model = Post
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
            "created_at",
        ]

    def _hidden(self, post: Post) -> bool:
        return post.status == PostStatus.HIDDEN

    @extend_schema_field(PostAuthorOut(allow_null=True))
    def get_author(self, post: Post) -> dict[str, Any] | None:
        if self._hidden(post):
            return None
        return {"id": post.author_id, "nickname": nickname(post.author)}

    def get_body(self, post: Post) -> str:
        return "" if self._hidden(post) else post.body

    def get_stance(self, post: Post) -> str:
        return "" if self._hidden(post) else post.stance

    def get_hidden(self, post: Post) -> bool:
        return self._hidden(post)

    def get_held(self, post: Post) -> bool:
        return post.status == PostStatus.HELD

    def get_mine(self, post: Post) -> bool:
        return post.author_id == self.context.get("viewer_id")


class PostIn(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_POST, trim_whitespace=True, allow_blank=False)
    reply_to = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    stance = serializers.ChoiceField(choices=PostStance.choices, required=False, allow_blank=True)


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


class QueuedPostList(serializers.ListSerializer):
    """A page of queued posts with their open report reasons, counted in one query."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        from .selectors import open_report_reasons

        rows = list(data)
        self.child.context["reasons"] = open_report_reasons([row.pk for row in rows])
        return super().to_representation(rows)


class QueuedPostOut(ModeratedPostOut):
    class Meta(ModeratedPostOut.Meta):
        list_serializer_class = QueuedPostList


class QueueTextOut(serializers.Serializer):
    """A held objection or topic in the queue, in one shape."""

    kind = serializers.CharField()
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


class QueueCountsOut(serializers.Serializer):
    posts_held = serializers.IntegerField()
    posts_reported = serializers.IntegerField()
    posts_hidden_pending = serializers.IntegerField()
    objections_held = serializers.IntegerField()
    consultations_held = serializers.IntegerField()

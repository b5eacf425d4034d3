"""Shapes that more than one module renders: the REST answers and the live updates (live.py
publishes a motion as GET /meetings/{id} shows it), the core and the discussion (who wrote).
The rest of the serializers sit beside their views in api.py."""

from __future__ import annotations

from rest_framework import serializers


class ActorOut(serializers.Serializer):
    """Who acted or wrote, as neighbours may see them: an id and a nickname, nothing personal."""

    id = serializers.IntegerField()
    nickname = serializers.CharField()


class MotionOut(serializers.Serializer):
    """A motion and its counts (never who voted what)."""

    id = serializers.IntegerField()
    meeting = serializers.IntegerField(source="meeting_id")
    text = serializers.CharField()
    status = serializers.CharField()
    attendees = serializers.IntegerField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        # API.md names the counts "for", "against", "abstain" ("for" is a Python keyword).
        fields = super().get_fields()
        fields["for"] = serializers.IntegerField(source="votes_for")
        fields["against"] = serializers.IntegerField(source="votes_against")
        fields["abstain"] = serializers.IntegerField(source="abstentions")
        return fields

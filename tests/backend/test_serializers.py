"""backend.serializers.FieldsOnce: a serializer's fields are what DRF would build (same classes,
same arguments, same answer), each instance gets its own, and a subclass builds its own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rest_framework import serializers

from appeals.api import AppealDetailOut, AppealOut, AttachmentOut, TimelineOut
from appeals.models import AppealEvent

pytestmark = pytest.mark.django_db  # a related field's repr shows its queryset's rows


def as_drf_builds(cls: type[serializers.ModelSerializer]) -> type[serializers.ModelSerializer]:
    """The same serializer with DRF's own per-instance field building."""
    return type(f"Plain{cls.__name__}", (cls,), {"get_fields": serializers.ModelSerializer.get_fields})


@pytest.mark.parametrize("cls", [AttachmentOut, TimelineOut, AppealOut, AppealDetailOut])
def test_the_fields_are_those_drf_builds(cls):
    for _ in range(2):  # the first instance builds, the second copies
        assert repr(cls().fields) == repr(as_drf_builds(cls)().fields)


def test_each_instance_gets_its_own_fields_and_the_same_answer():
    event = AppealEvent(pk=7, action="submit", from_status="", to_status="submitted", note="n", at=datetime(2026, 1, 2, tzinfo=UTC))
    first, second = TimelineOut(event), TimelineOut(event)
    assert all(first.fields[name] is not second.fields[name] for name in first.fields)
    assert first.fields["id"].parent is first and second.fields["id"].parent is second
    assert first.data == second.data == as_drf_builds(TimelineOut)(event).data


def test_a_subclass_builds_its_own():
    AppealOut().fields, AppealDetailOut().fields
    assert set(AppealDetailOut().fields) - set(AppealOut().fields) == {
        name for name in AppealDetailOut.Meta.fields if name not in AppealOut.Meta.fields
    }

"""HTTP for the linked systems (API.md "Linked systems"): the hand-over of an appeal to 信访,
and the two systems' signed webhooks."""

from __future__ import annotations

import hashlib

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals.selectors import appeal_get
from backend.outbox import MESSAGE_ID_HEADER, SIGNATURE_HEADER
from backend.views import created, validated
from backend.webhooks import SignedWebhookApi
from mediation.models import Category as CaseCategory
from mediation.models import Party

from . import conflict, petitions
from .models import Petition, PetitionStatus

SIGNATURE = OpenApiParameter(
    SIGNATURE_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="hex HMAC-SHA256 of the raw body with the shared secret",
)


class PetitionOut(serializers.ModelSerializer):
    case_id = serializers.CharField(source="case_id_external")
    deadline = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = Petition
        fields = [
            "case_id",
            "status",
            "deadline",
            "appeal",
            "case",
            "handed_over_at",
            "accept_due_at",
            "reply_due_at",
            "extended",
            "review_due_at",
        ]


class PetitionReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AppealToPetitionApi(APIView):
    @extend_schema(request=PetitionReasonIn, responses={201: PetitionOut})
    def post(self, request: Request, appeal_id: int) -> Response:
        appeal = appeal_get(user=request.user, appeal_id=appeal_id)
        petition = petitions.do_hand_appeal_to_petition(
            appeal=appeal, actor=request.user, **validated(PetitionReasonIn, request)
        )
        return created(PetitionOut(petition).data)


class PetitionStatusIn(serializers.Serializer):
    case_id = serializers.CharField(max_length=32)
    status = serializers.ChoiceField(choices=[s for s in PetitionStatus.values if s != PetitionStatus.HANDED_OVER])
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    extended = serializers.BooleanField(required=False, default=False, help_text="the reply deadline was extended")


class PetitionStatusApi(SignedWebhookApi):
    """智慧信访 pushes a status change; idempotent by `X-Message-Id` (else the body's hash)."""

    schema_errors = (401, 404, 409)  # bad signature; unknown case; a move its state forbids

    def secret(self) -> str:
        return settings.PETITION_SECRET

    @extend_schema(
        request=PetitionStatusIn,
        responses={200: PetitionOut},
        parameters=[SIGNATURE, OpenApiParameter(MESSAGE_ID_HEADER, str, OpenApiParameter.HEADER)],
    )
    def post(self, request: Request) -> Response:
        data = validated(PetitionStatusIn, data=self.signed_payload(request))
        sender_id = request.headers.get(MESSAGE_ID_HEADER) or hashlib.sha256(request.body).hexdigest()
        petition = petitions.do_apply_petition_status(sender_id=sender_id[:128], **data)
        return Response(PetitionOut(petition).data)


class DispatchedPartyIn(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    role = serializers.ChoiceField(choices=Party.Role.choices)
    phone = serializers.RegexField(r"^\+?\d{5,20}$", required=False)


class DispatchedCaseIn(serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    category = serializers.ChoiceField(choices=CaseCategory.choices)
    description = serializers.CharField(max_length=5000)
    grid_code = serializers.CharField(max_length=32)
    parties = DispatchedPartyIn(many=True, allow_empty=False, max_length=20)


class DispatchedCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    source = serializers.CharField()
    external_id = serializers.CharField()


class ConflictCaseApi(SignedWebhookApi):
    """智慧矛盾系统 dispatches a case down: 201 the first time, 200 with the same case after."""

    def secret(self) -> str:
        return settings.CONFLICT_SECRET

    @extend_schema(
        request=DispatchedCaseIn, responses={201: DispatchedCaseOut, 200: DispatchedCaseOut}, parameters=[SIGNATURE]
    )
    def post(self, request: Request) -> Response:
        data = validated(DispatchedCaseIn, data=self.signed_payload(request))
        case, is_new = conflict.do_receive_dispatched_case(**data)
        body = {
            "id": case.pk,
            "number": case.number,
            "status": case.status,
            "source": case.source,
            "external_id": data["external_id"],
        }
        return Response(DispatchedCaseOut(body).data, status=status.HTTP_201_CREATED if is_new else status.HTTP_200_OK)

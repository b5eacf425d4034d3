"""HTTP for appeals (API.md "Appeals"): thin views over services and selectors, with their
input and output serializers beside them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.crypto import mask_phone
from backend.errors import InvalidInput
from backend.files import file_url
from backend.geo import LocationSerializer
from backend.idempotency import idempotent
from backend.masking import mask_personal
from backend.messages import Msg
from backend.serializers import FieldsOnce
from backend.views import created, filtered_page, validated
from grids.models import GridUnit
from residents.pii import log_access

from . import hotline, selectors, services
from .filters import AppealFilter
from .models import Appeal, AppealAttachment, AppealEvent, AppealStatus, Category

# --- output ------------------------------------------------------------------------------


class AttachmentOut(FieldsOnce):
    url = serializers.SerializerMethodField()

    class Meta:
        model = AppealAttachment
        fields = ["id", "url"]

    def get_url(self, row: AppealAttachment) -> str:
        # Whoever is shown the appeal may see its photos, for a short while (backend/files.py).
        return file_url(row.file, request=self.context.get("request"))


class ActorOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class TimelineOut(FieldsOnce):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = AppealEvent
        fields = ["id", "action", "actor", "from_status", "to_status", "note", "at", "from_grid", "to_grid"]

    @extend_schema_field(ActorOut(allow_null=True))
    def get_actor(self, event: AppealEvent) -> dict[str, Any] | None:
        if event.actor is None:  # the system (deadlines) or the hotline platform
            return None
        # Neighbours reading a public appeal do not learn who submitted it.
        if not self.context.get("personal") and event.actor_id == self.context.get("submitter_id"):
            return None
        return ActorOut(event.actor).data


class AppealOut(FieldsOnce):
    """A queue row (no timeline: lists stay at a fixed number of queries)."""

    handling_grid_name = serializers.CharField(source="handling_grid.name")

    class Meta:
        model = Appeal
        fields = [
            "id",
            "number",
            "source",
            "status",
            "category",
            "title",
            "grid",
            "handling_grid",
            "handling_grid_name",
            "level",
            "is_public",
            "is_overdue",
            "accept_due_at",
            "due_at",
            "created_at",
            "updated_at",
        ]


class PetitionRef(serializers.Serializer):
    status = serializers.CharField()
    deadline = serializers.DateTimeField(allow_null=True)


class AppealDetailOut(AppealOut):
    """One appeal as it now is, with its timeline. Personal data (submitter, address, exact
    location, phone) only for the submitter and the staff of the units involved; the phone
    unmasked only for the submitter and the handlers who call back."""

    grid_name = serializers.CharField(source="grid.name")
    location = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    submitter = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()
    attachments = AttachmentOut(many=True)
    timeline = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    public_title = serializers.SerializerMethodField(help_text="what the Open311 feed shows, when public")
    public_description = serializers.SerializerMethodField(help_text="what the Open311 feed shows, when public")
    petition = serializers.SerializerMethodField(help_text="智慧信访: null unless handed over")

    class Meta(AppealOut.Meta):
        fields = [
            *AppealOut.Meta.fields,
            "description",
            "grid_name",
            "address",
            "location",
            "submitter",
            "contact_phone",
            "hotline_order_id",
            "accepted_by",
            "accepted_at",
            "resolved_at",
            "closed_at",
            "overdue_at",
            "escalations",
            "score",
            "rating_comment",
            "rated_at",
            "mediation_case_id",
            "attachments",
            "timeline",
            "actions",
            "public_title",
            "public_description",
            "petition",
        ]

    @extend_schema_field(PetitionRef(allow_null=True))
    def get_petition(self, appeal: Appeal) -> dict[str, Any] | None:
        if not appeal.petition_status:
            return None
        return PetitionRef({"status": appeal.petition_status, "deadline": appeal.petition_deadline}).data

    def _personal(self) -> bool:
        return bool(self.context.get("personal"))

    @extend_schema_field(LocationSerializer(allow_null=True))
    def get_location(self, appeal: Appeal) -> dict[str, float] | None:
        if not self._personal() or appeal.latitude is None:
            return None
        return {"lat": float(appeal.latitude), "lng": float(appeal.longitude)}

    def get_address(self, appeal: Appeal) -> str:
        return appeal.address if self._personal() else ""

    @extend_schema_field(ActorOut(allow_null=True))
    def get_submitter(self, appeal: Appeal) -> dict[str, Any] | None:
        if not self._personal() or appeal.submitter is None:
            return None
        return ActorOut(appeal.submitter).data

    def get_contact_phone(self, appeal: Appeal) -> str:
        if not self._personal():
            return ""
        phone = appeal.contact_phone or (appeal.submitter.phone if appeal.submitter else "")
        return phone if self.context.get("phone_unmasked") else mask_phone(phone)

    @extend_schema_field(TimelineOut(many=True))
    def get_timeline(self, appeal: Appeal) -> list[dict[str, Any]]:
        return TimelineOut(appeal.timeline.all(), many=True, context=self.context).data

    def get_public_title(self, appeal: Appeal) -> str | None:
        return mask_personal(appeal.title) if appeal.is_public else None

    def get_public_description(self, appeal: Appeal) -> str | None:
        return mask_personal(appeal.description) if appeal.is_public else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, appeal: Appeal) -> list[str]:
        return self.context.get("actions", [])


def detail(request: Request, appeal_id: int) -> dict[str, Any]:
    """The appeal as the caller now sees it (every state-changing call answers with this)."""
    return detail_of(request, selectors.appeal_detail(user=request.user, appeal_id=appeal_id))


def detail_of(request: Request, appeal: Appeal) -> dict[str, Any]:
    """`detail` of an appeal already in hand with its relations (a submission's own)."""
    view = selectors.appeal_view(user=request.user, appeal=appeal)
    if view["logs_phone"]:  # an unmasked phone seen by someone other than its owner (PIPL)
        log_access(
            accessor=request.user, subjects=[f"appeals.Appeal:{appeal.pk}"], field="phone", purpose="appeal handling"
        )
    return AppealDetailOut(appeal, context=view).data


# --- attachments -------------------------------------------------------------------------


class AttachmentIn(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)


class AttachmentCreateApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": AttachmentIn}, responses={201: AttachmentOut})
    def post(self, request: Request) -> Response:
        attachment = services.attachment_upload(actor=request.user, file=validated(AttachmentIn, request)["file"])
        return created(AttachmentOut(attachment).data)


# --- appeals -----------------------------------------------------------------------------


class AppealIn(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000)
    grid = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.select_related("parent"), required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    location = LocationSerializer(required=False, allow_null=True, default=None)
    attachments = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=9
    )
    is_public = serializers.BooleanField(required=False, default=False)


class AppealListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=AppealStatus.values),
            OpenApiParameter("category", str, enum=Category.values),
            OpenApiParameter("grid", int, description="appeals about or handled in this unit's subtree"),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("mine", bool, description="submitted or accepted by the caller"),
        ],
        responses=AppealOut(many=True),
    )
    def get(self, request: Request) -> Response:
        return filtered_page(request, self, AppealFilter, selectors.appeal_list(user=request.user), AppealOut)

    @extend_schema(request=AppealIn, responses={201: AppealDetailOut})
    @idempotent
    def post(self, request: Request) -> Response:
        appeal = services.appeal_submit(actor=request.user, **validated(AppealIn, request))
        # The service returns the appeal with its rows: answered without reading it back.
        return created(detail_of(request, appeal))


class AppealDetailApi(APIView):
    @extend_schema(responses=AppealDetailOut)
    def get(self, request: Request, appeal_id: int) -> Response:
        return Response(detail(request, appeal_id))


class NoInput(serializers.Serializer):
    pass


class ContentIn(serializers.Serializer):
    content = serializers.CharField(max_length=2000)


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RateIn(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AppealActionApi(APIView):
    """POST /appeals/{id}/<action>: find it in the caller's scope (404), validate the body,
    run the service, answer with the appeal as it now is. Each action is a named subclass
    saying its body (`In`) and its service."""

    In: ClassVar[type[serializers.Serializer]] = NoInput
    service: ClassVar[Callable[..., Appeal]]

    def post(self, request: Request, appeal_id: int) -> Response:
        appeal = selectors.appeal_get(user=request.user, appeal_id=appeal_id)
        type(self).service(appeal=appeal, actor=request.user, **validated(self.In, request))
        return Response(detail(request, appeal_id))


def _schema(body: type[serializers.Serializer]) -> Callable[[type[APIView]], type[APIView]]:
    # extend_schema_view copies the inherited method, so each action gets its own schema.
    return extend_schema_view(post=extend_schema(request=body, responses=AppealDetailOut))


@_schema(NoInput)
class AppealAcceptApi(AppealActionApi):
    """Handler of the handling unit: submitted -> accepted."""

    service = staticmethod(services.appeal_accept)


@_schema(ContentIn)
class AppealReplyApi(AppealActionApi):
    """Handler or submitter: a message on the timeline."""

    In = ContentIn
    service = staticmethod(services.appeal_reply)


@_schema(ContentIn)
class AppealResolveApi(AppealActionApi):
    """Handler: accepted -> resolved."""

    In = ContentIn
    service = staticmethod(services.appeal_resolve)


@_schema(ReasonIn)
class AppealEscalateApi(AppealActionApi):
    """Handler: one level up, back to submitted there."""

    In = ReasonIn
    service = staticmethod(services.appeal_escalate)


@_schema(ReasonIn)
class AppealRejectApi(AppealActionApi):
    """Handler: submitted -> rejected, with the reason."""

    In = ReasonIn
    service = staticmethod(services.appeal_reject)


@_schema(ReasonIn)
class AppealReopenApi(AppealActionApi):
    """Submitter, within 7 days of resolve: -> accepted."""

    In = ReasonIn
    service = staticmethod(services.appeal_reopen)


@_schema(RateIn)
class AppealRateApi(AppealActionApi):
    """Submitter, once: score 1-5; resolved -> closed."""

    In = RateIn
    service = staticmethod(services.appeal_rate)


@_schema(NoInput)
class AppealToMediationApi(AppealActionApi):
    """Handler: opens a linked mediation case."""

    service = staticmethod(services.appeal_to_mediation)


# --- 12345 hotline -----------------------------------------------------------------------


class HotlineOrderIn(serializers.Serializer):
    order_id = serializers.RegexField(r"^[0-9A-Za-z_.:-]{1,64}$")
    category = serializers.CharField(max_length=32)
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    grid_code = serializers.CharField(max_length=32, required=False, allow_blank=True, allow_null=True, default="")
    phone = serializers.RegexField(r"^\+?[0-9-]{3,20}$", required=False, allow_blank=True, allow_null=True, default="")
    created_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_category(self, value: str) -> str:
        # The platform's own classification may not be ours: keep the order, file it as other.
        return value if value in Category.values else Category.OTHER


class HotlineOrderApi(APIView):
    """The 12345 platform pushes a work order. Authenticated by the HMAC signature of the raw
    body alone (no user); not throttled: the platform is one signed peer."""

    permission_classes = [AllowAny]
    authentication_classes: ClassVar[list] = []
    throttle_classes: ClassVar[list] = []
    schema_errors = (401,)  # a bad signature

    @extend_schema(
        request=HotlineOrderIn,
        responses={201: AppealDetailOut, 200: AppealDetailOut},
        parameters=[OpenApiParameter(hotline.SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True)],
    )
    def post(self, request: Request) -> Response:
        body = request.body  # the raw bytes the signature covers, read before any parsing
        hotline.verify_signature(body, request.headers.get(hotline.SIGNATURE_HEADER))
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(Msg("请求体不是 JSON。", "The body is not JSON."), code="malformed_request") from exc
        data = validated(HotlineOrderIn, data=payload if isinstance(payload, dict) else {})
        fields = {k: v or ("" if k != "created_at" else None) for k, v in data.items()}
        appeal, is_new = services.hotline_order_receive(order=services.HotlineOrder(**fields))
        out = AppealDetailOut(
            selectors.hotline_appeal(appeal_id=appeal.pk), context={"personal": False, "actions": []}
        ).data
        return Response(out, status=status.HTTP_201_CREATED if is_new else status.HTTP_200_OK)

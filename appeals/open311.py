"""A read-only Open311 GeoReport v2 view of public appeals, for other civic tools
(https://wiki.open311.org/GeoReport_v2), mounted at /open311/v2/ (appeals/open311_urls.py).

- JSON or XML by the path's extension, whatever the Accept header says; UTF-8, declared.
- discovery, services, services/{code}, requests (every filter; service_request_id overrides
  the others), requests/{id}, and the photos of public appeals (media/{id}).
- Every error on these paths, unknown ones included, is the spec's list
  [{"code","description"}] (XML <errors><error>).
- Any origin may read it (CORS, GET only).
- Only appeals their submitters made public, and nothing that identifies a person: no names
  or phones; free text through backend.masking.mask_personal; the address is the grid unit
  (a building or courtyard), never the text the resident typed; the location is rounded to
  about a hundred metres.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar
from xml.etree import ElementTree

from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend import files
from backend.errors import NotFound
from backend.masking import mask_personal
from backend.views import validated

from . import selectors
from .models import Appeal, AppealAttachment, AppealStatus, Category

OPEN = [AppealStatus.SUBMITTED, AppealStatus.ACCEPTED]
CLOSED = [AppealStatus.RESOLVED, AppealStatus.CLOSED, AppealStatus.REJECTED]
DEFAULT_DAYS = 90  # the spec's default window
MAX_RESULTS = 1000
ROUNDING = Decimal("0.001")  # about 100 m
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When the service list last changed (the categories): discovery's changeset.
CHANGESET = "2026-11-01T00:00:00+08:00"


# --- representations ---------------------------------------------------------------------


class Open311JSONRenderer(JSONRenderer):
    charset = "utf-8"


class Open311XMLRenderer(BaseRenderer):
    """The spec's XML: a root named by the resource, one child element per list item
    (<services><service>, <service_requests><request>, <errors><error>), fields as elements."""

    media_type = "application/xml"
    format = "xml"
    charset = "utf-8"
    ITEMS: ClassVar[dict[str, str]] = {
        "services": "service",
        "service_requests": "request",
        "errors": "error",
        "endpoints": "endpoint",
        "formats": "format",
        "attributes": "attribute",
        "values": "value",
    }

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        context = renderer_context or {}
        response = context.get("response")
        failed = response is not None and response.status_code >= 400
        root = "errors" if failed else getattr(context.get("view"), "xml_root", "response")
        element = ElementTree.Element(root)
        self._fill(element, data)
        return b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(element, encoding="unicode").encode()

    def _fill(self, element: ElementTree.Element, value: Any) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                self._fill(ElementTree.SubElement(element, key), child)
        elif isinstance(value, (list, tuple)):
            tag = self.ITEMS.get(element.tag, "item")
            for child in value:
                self._fill(ElementTree.SubElement(element, tag), child)
        elif isinstance(value, bool):
            element.text = "true" if value else "false"
        elif value is not None:
            element.text = str(value)


class ByExtension(BaseContentNegotiation):
    """The extension decides (the spec's rule); an Accept header never makes it a 406."""

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: list[Any], format_suffix: str | None = None) -> Any:
        wanted = format_suffix or "json"
        renderer = next((r for r in renderers if r.format == wanted), renderers[0])
        return renderer, renderer.media_type


# --- serializers -------------------------------------------------------------------------


class ServiceOut(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField()
    type = serializers.CharField()
    keywords = serializers.CharField()
    group = serializers.CharField()


class ServiceDefinitionOut(serializers.Serializer):
    service_code = serializers.CharField()
    attributes = serializers.ListField(child=serializers.DictField(), help_text="none: no service has metadata")


class EndpointOut(serializers.Serializer):
    specification = serializers.CharField()
    url = serializers.CharField()
    changeset = serializers.CharField()
    type = serializers.CharField()
    formats = serializers.ListField(child=serializers.CharField())


class DiscoveryOut(serializers.Serializer):
    changeset = serializers.CharField()
    contact = serializers.CharField()
    key_service = serializers.CharField()
    endpoints = EndpointOut(many=True)


class RequestOut(serializers.Serializer):
    service_request_id = serializers.CharField(source="number")
    status = serializers.SerializerMethodField()
    status_notes = serializers.CharField(source="get_status_display")
    service_name = serializers.CharField(source="get_category_display")
    service_code = serializers.CharField(source="category")
    description = serializers.SerializerMethodField()
    agency_responsible = serializers.CharField(source="handling_grid.name")
    service_notice = serializers.SerializerMethodField()
    requested_datetime = serializers.DateTimeField(source="created_at")
    updated_datetime = serializers.DateTimeField(source="updated_at")
    expected_datetime = serializers.DateTimeField(source="due_at", allow_null=True)
    address = serializers.CharField(source="grid.name")
    address_id = serializers.CharField(source="grid.code")
    zipcode = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()
    long = serializers.SerializerMethodField()
    media_url = serializers.SerializerMethodField()

    def get_status(self, appeal: Appeal) -> str:
        return "open" if appeal.status in OPEN else "closed"

    def get_description(self, appeal: Appeal) -> str:
        return mask_personal(f"{appeal.title}：{appeal.description}")

    def get_service_notice(self, appeal: Appeal) -> str:
        return ""

    def get_zipcode(self, appeal: Appeal) -> str:
        return ""

    def _rounded(self, value: Decimal | None) -> float | None:
        return None if value is None else float(value.quantize(ROUNDING, rounding=ROUND_HALF_UP))

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_lat(self, appeal: Appeal) -> float | None:
        return self._rounded(appeal.latitude)

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_long(self, appeal: Appeal) -> float | None:
        return self._rounded(appeal.longitude)

    def get_media_url(self, appeal: Appeal) -> str:
        """The first photo, at a stable public address that works while the appeal is public."""
        photos = list(appeal.attachments.all())
        if not photos:
            return ""
        path = reverse("open311-media", kwargs={"attachment_id": photos[0].pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class Open311ErrorOut(serializers.Serializer):
    code = serializers.IntegerField()
    description = serializers.CharField()


# --- views -------------------------------------------------------------------------------

# The extension is `ext`, not DRF's `format`: schema generators skip paths ending in `.{format}`.
FORMAT = OpenApiParameter("ext", str, OpenApiParameter.PATH, enum=["json", "xml"], description="the representation")


@extend_schema(tags=["open311"])  # inherited by every endpoint below
class Open311Api(APIView):
    """No login, any origin, JSON or XML by extension, errors in the spec's shape."""

    permission_classes = [AllowAny]
    authentication_classes: ClassVar[list] = []
    renderer_classes: ClassVar[list] = [Open311JSONRenderer, Open311XMLRenderer]
    content_negotiation_class = ByExtension
    pagination_class = None  # the spec's lists are bare
    error_serializer = Open311ErrorOut
    error_many = True
    xml_root = "response"

    def get_format_suffix(self, **kwargs: Any) -> str:
        return kwargs.get("ext") or "json"

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        error = response.data.get("error", {}) if isinstance(response.data, dict) else {}
        fields = "; ".join(f"{k}: {', '.join(v)}" for k, v in error.get("fields", {}).items())
        response.data = [{"code": response.status_code, "description": fields or error.get("message", "")}]
        return response

    def finalize_response(self, request: Request, response: HttpResponse, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Accept, Accept-Language, Content-Type"
        response["Access-Control-Max-Age"] = "86400"
        return response

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(status=204)  # a CORS preflight: the headers are the answer


def _published() -> QuerySet[Appeal]:
    return (
        selectors.public_appeals()
        .select_related("handling_grid", "grid")
        .prefetch_related(Prefetch("attachments", queryset=AppealAttachment.objects.order_by("pk")))
    )


def _services() -> list[dict[str, Any]]:
    return [
        {
            "service_code": code,
            "service_name": label,
            "description": f"诉求类别：{label}",
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "诉求",
        }
        for code, label in Category.choices
    ]


class DiscoveryApi(Open311Api):
    xml_root = "discovery"

    @extend_schema(
        operation_id="open311_discovery",
        parameters=[FORMAT],
        responses=DiscoveryOut,
        description="Where this endpoint is and what it speaks.",
    )
    def get(self, request: Request, ext: str) -> Response:
        base = request.build_absolute_uri(reverse("open311-discovery", kwargs={"ext": "json"}))
        endpoint = {
            "specification": SPECIFICATION,
            "url": base.rsplit("/", 1)[0],
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["application/json", "application/xml"],
        }
        body = {
            "changeset": CHANGESET,
            "contact": "中原区网格化服务管理中心",
            "key_service": "",
            "endpoints": [endpoint],
        }
        return Response(DiscoveryOut(body).data)


class ServiceListApi(Open311Api):
    xml_root = "services"

    @extend_schema(
        operation_id="open311_services",
        parameters=[FORMAT],
        responses=ServiceOut(many=True),
        description="The categories of appeals, as Open311 services.",
    )
    def get(self, request: Request, ext: str) -> Response:
        return Response(ServiceOut(_services(), many=True).data)


class ServiceDefinitionApi(Open311Api):
    xml_root = "service_definition"

    @extend_schema(
        operation_id="open311_service_definition",
        parameters=[FORMAT, OpenApiParameter("service_code", str, OpenApiParameter.PATH, enum=Category.values)],
        responses=ServiceDefinitionOut,
        description="A service's attributes (none: our services take no extra fields).",
    )
    def get(self, request: Request, service_code: str, ext: str) -> Response:
        if service_code not in Category.values:
            raise NotFound()
        return Response(ServiceDefinitionOut({"service_code": service_code, "attributes": []}).data)


class RequestFilters(serializers.Serializer):
    service_request_id = serializers.CharField(required=False, max_length=2000)
    service_code = serializers.CharField(required=False, max_length=500)
    status = serializers.CharField(required=False, max_length=20)
    start_date = serializers.DateTimeField(required=False)
    end_date = serializers.DateTimeField(required=False)
    jurisdiction_id = serializers.CharField(required=False, max_length=100)  # one jurisdiction: ignored

    def validate_service_code(self, value: str) -> list[str]:
        codes = [c.strip() for c in value.split(",") if c.strip()]
        unknown = set(codes) - set(Category.values)
        if unknown:
            raise serializers.ValidationError(f"unknown service_code: {', '.join(sorted(unknown))}")
        return codes

    def validate_status(self, value: str) -> list[str]:
        wanted = {s.strip() for s in value.split(",") if s.strip()}
        if not wanted <= {"open", "closed"}:
            raise serializers.ValidationError("status is open or closed")
        return [*(OPEN if "open" in wanted else []), *(CLOSED if "closed" in wanted else [])]

    def validate_service_request_id(self, value: str) -> list[str]:
        return [v.strip() for v in value.split(",") if v.strip()]


class RequestListApi(Open311Api):
    xml_root = "service_requests"

    @extend_schema(
        operation_id="open311_requests",
        parameters=[
            FORMAT,
            OpenApiParameter("service_request_id", str, description="comma-separated ids; overrides all others"),
            OpenApiParameter("service_code", str, description="comma-separated service codes"),
            OpenApiParameter("status", str, description="open, closed or both comma-separated"),
            OpenApiParameter("start_date", datetime),
            OpenApiParameter("end_date", datetime),
            OpenApiParameter("jurisdiction_id", str, description="accepted and ignored: one jurisdiction"),
        ],
        responses=RequestOut(many=True),
        description="Public appeals, newest first; without dates the last 90 days; at most 1000.",
    )
    def get(self, request: Request, ext: str) -> Response:
        f = validated(RequestFilters, data=request.query_params)
        rows = _published()
        if "service_request_id" in f:  # the spec: this overrides all other arguments
            rows = rows.filter(number__in=f["service_request_id"])
        else:
            end = f.get("end_date") or timezone.now()
            start = f.get("start_date") or end - timedelta(days=DEFAULT_DAYS)
            rows = rows.filter(created_at__gte=start, created_at__lte=end)
            if "service_code" in f:
                rows = rows.filter(category__in=f["service_code"])
            if "status" in f:
                rows = rows.filter(status__in=f["status"])
        rows = rows.order_by("-created_at", "-pk")[:MAX_RESULTS]
        return Response(RequestOut(rows, many=True, context={"request": request}).data)


class RequestDetailApi(Open311Api):
    xml_root = "service_requests"

    @extend_schema(
        operation_id="open311_request",
        parameters=[FORMAT, OpenApiParameter("request_id", str, OpenApiParameter.PATH)],
        responses=RequestOut(many=True),
        description="One public appeal, as a list of one (per the spec).",
    )
    def get(self, request: Request, request_id: str, ext: str) -> Response:
        appeal = _published().filter(number=request_id).first()
        if appeal is None and request_id.isdigit():  # the appeal's id, as the API knows it
            appeal = _published().filter(pk=int(request_id)).first()
        if appeal is None:
            raise NotFound()
        return Response(RequestOut([appeal], many=True, context={"request": request}).data)


class MediaApi(Open311Api):
    """A public appeal's photo: public while the appeal is (404 once it is not)."""

    @extend_schema(
        operation_id="open311_media",
        responses={(200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="the photo")},
    )
    def get(self, request: Request, attachment_id: int) -> HttpResponse:
        photo = AppealAttachment.objects.filter(appeal__in=selectors.public_appeals(), pk=attachment_id).first()
        if photo is None:
            raise NotFound()
        return files.serve(photo.file, request=request, content_type=photo.content_type)


@extend_schema(exclude=True)
class UnknownApi(Open311Api):
    """Everything else under /open311/v2/: the spec's 404, in XML when the path asks for it."""

    def get_format_suffix(self, **kwargs: Any) -> str:
        return "xml" if self.request.path.endswith(".xml") else "json"

    def _not_found(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound()

    get = post = put = patch = delete = _not_found

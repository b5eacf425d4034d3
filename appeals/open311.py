"""A read-only Open311 GeoReport v2 view of public appeals, for other civic tools
(https://wiki.open311.org/GeoReport_v2): services.json, requests.json, requests/{id}.json.

Only appeals their submitters made public, and no personal data: no names or phones; the
address is the grid unit (a building or courtyard), never the text the resident typed, and
the location is rounded to about a hundred metres. JSON only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.errors import NotFound

from . import selectors
from .models import Appeal, AppealAttachment, AppealStatus, Category

OPEN = [AppealStatus.SUBMITTED, AppealStatus.ACCEPTED]
CLOSED = [AppealStatus.RESOLVED, AppealStatus.CLOSED, AppealStatus.REJECTED]
DEFAULT_DAYS = 90  # the spec's default window
MAX_RESULTS = 1000
ROUNDING = Decimal("0.001")  # about 100 m


class ServiceOut(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField()
    type = serializers.CharField()
    keywords = serializers.CharField()
    group = serializers.CharField()


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
    expected_datetime = serializers.DateTimeField(source="due_at")
    address = serializers.CharField(source="grid.name")
    address_id = serializers.CharField(source="grid.code")
    zipcode = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()
    long = serializers.SerializerMethodField()
    media_url = serializers.SerializerMethodField()

    def get_status(self, appeal: Appeal) -> str:
        return "open" if appeal.status in OPEN else "closed"

    def get_description(self, appeal: Appeal) -> str:
        return f"{appeal.title}：{appeal.description}"

    def get_service_notice(self, appeal: Appeal) -> str:
        return ""

    def get_zipcode(self, appeal: Appeal) -> str:
        return ""

    def _rounded(self, value: Decimal | None) -> float | None:
        return None if value is None else float(value.quantize(ROUNDING, rounding=ROUND_HALF_UP))

    def get_lat(self, appeal: Appeal) -> float | None:
        return self._rounded(appeal.latitude)

    def get_long(self, appeal: Appeal) -> float | None:
        return self._rounded(appeal.longitude)

    def get_media_url(self, appeal: Appeal) -> str:
        photos = list(appeal.attachments.all())
        if not photos:
            return ""
        request = self.context.get("request")
        url = photos[0].file.url
        return request.build_absolute_uri(url) if request else url


class Open311ErrorOut(serializers.Serializer):
    code = serializers.IntegerField()
    description = serializers.CharField()


class _Open311Api(APIView):
    """No login; errors in the spec's shape: [{"code": 404, "description": "..."}]."""

    permission_classes = [AllowAny]
    authentication_classes: ClassVar[list] = []

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        error = response.data.get("error", {}) if isinstance(response.data, dict) else {}
        fields = "; ".join(f"{k}: {', '.join(v)}" for k, v in error.get("fields", {}).items())
        response.data = [{"code": response.status_code, "description": fields or error.get("message", "")}]
        return response


def _published():
    return (
        selectors.public_appeals()
        .select_related("handling_grid", "grid")
        .prefetch_related(Prefetch("attachments", queryset=AppealAttachment.objects.order_by("pk")))
    )


@extend_schema(tags=["open311"])
class ServiceListApi(_Open311Api):
    @extend_schema(responses=ServiceOut(many=True), description="The categories of appeals, as Open311 services.")
    def get(self, request: Request) -> Response:
        services = [
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
        return Response(ServiceOut(services, many=True).data)


@extend_schema(tags=["open311"])
class RequestListApi(_Open311Api):
    class Filters(serializers.Serializer):
        service_request_id = serializers.CharField(required=False)
        service_code = serializers.CharField(required=False)
        status = serializers.CharField(required=False)
        start_date = serializers.DateTimeField(required=False)
        end_date = serializers.DateTimeField(required=False)

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

    @extend_schema(
        parameters=[
            OpenApiParameter("service_request_id", str, description="comma-separated request ids"),
            OpenApiParameter("service_code", str, description="comma-separated service codes"),
            OpenApiParameter("status", str, description="open, closed or both comma-separated"),
            OpenApiParameter("start_date", datetime),
            OpenApiParameter("end_date", datetime),
        ],
        responses=RequestOut(many=True),
        description="Public appeals, newest first; without dates the last 90 days; at most 1000.",
    )
    def get(self, request: Request) -> Response:
        filters = self.Filters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f: dict[str, Any] = filters.validated_data
        rows = _published()
        if "service_request_id" in f:
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


@extend_schema(tags=["open311"])
class RequestDetailApi(_Open311Api):
    @extend_schema(responses=RequestOut(many=True), description="One public appeal, as a list of one (per the spec).")
    def get(self, request: Request, request_id: str) -> Response:
        rows = _published().filter(number=request_id)
        if request_id.isdigit():
            rows = _published().filter(pk=int(request_id))
        appeal = rows.first()
        if appeal is None:
            raise NotFound()
        return Response(RequestOut([appeal], many=True, context={"request": request}).data)

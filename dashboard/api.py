"""一屏观全域 and open data: `GET /dashboard` (figures of a subtree and period, per child, daily
series) and `GET /open-data` (a ZIP of anonymous aggregates). Staff of the subtree only."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from backend.periods import Period
from backend.views import validated
from grids.roles import STAFF_ROLES
from grids.scope import ensure_in_reach
from grids.selectors import unit_get

from . import opendata, selectors

# --- the document's schema (the view returns the cached dict as it is) -------------------


def _rate(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


class ResidentsFigures(serializers.Serializer):
    total = serializers.IntegerField()
    verified = serializers.IntegerField()
    active_30d = serializers.IntegerField()


class AppealsFigures(serializers.Serializer):
    received = serializers.IntegerField()
    by_source = serializers.DictField(child=serializers.IntegerField())
    by_category = serializers.DictField(child=serializers.IntegerField())
    closed = serializers.IntegerField()
    closed_in_grid_rate = _rate("closed without ever leaving the grid level ÷ closed")
    escalated_rate = _rate("escalated at least once ÷ received")
    on_time_rate = _rate("resolved by due_at ÷ due in the period")
    overdue_open = serializers.IntegerField()
    median_accept_hours = serializers.FloatField(allow_null=True)
    median_close_hours = serializers.FloatField(allow_null=True)
    satisfaction_rate = _rate("rated 4–5 ÷ rated")
    rated_rate = _rate("rated ÷ closed")
    repeat_rate = _rate("same unit and category within 30 days of a resolved one ÷ closed")
    per_1000_residents = serializers.FloatField(allow_null=True)


class MediationFigures(serializers.Serializer):
    applied = serializers.IntegerField()
    agreed_rate = _rate("agreed ÷ concluded")
    fulfilled_rate = _rate("fulfilled at follow-up ÷ agreed")
    referred = serializers.IntegerField()
    overdue_open = serializers.IntegerField()


class ConsultationsFigures(serializers.Serializer):
    raised = serializers.IntegerField()
    threshold_reached_rate = serializers.FloatField(allow_null=True)
    resolved = serializers.IntegerField()
    implemented_rate = serializers.FloatField(allow_null=True)
    mean_attendance = serializers.FloatField(allow_null=True)
    evaluation_score = serializers.FloatField(allow_null=True)


class RoundRef(serializers.Serializer):
    id = serializers.IntegerField()
    month = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()


class MonthlyFigures(serializers.Serializer):
    current_round = RoundRef(allow_null=True)
    turnout_rate = _rate("ballots ÷ eligible")
    winner_progress = serializers.IntegerField(allow_null=True)


class NotificationsFigures(serializers.Serializer):
    sent = serializers.IntegerField()
    dead = serializers.IntegerField()


class UnitFigures(serializers.Serializer):
    grid = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    residents = ResidentsFigures()
    appeals = AppealsFigures()
    mediation = MediationFigures()
    consultations = ConsultationsFigures()
    monthly = MonthlyFigures()
    notifications = NotificationsFigures()


class DayCount(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()


class DashboardOut(UnitFigures):
    period = inline_serializer("DashboardPeriod", {"from": serializers.DateField(), "to": serializers.DateField()})
    children = UnitFigures(many=True)
    series = inline_serializer(
        "DashboardSeries",
        {
            "appeals_received_by_day": DayCount(many=True),
            "appeals_closed_by_day": DayCount(many=True),
        },
    )
    generated_at = serializers.DateTimeField()


# --- views -------------------------------------------------------------------------------


class PeriodFilters(serializers.Serializer):
    grid = serializers.IntegerField(required=False, min_value=1)
    # `from` is a Python keyword: declared under its query-string name below.
    to = serializers.DateField(required=False)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        return fields


PERIOD_PARAMETERS = [
    OpenApiParameter("grid", int, description="a unit in the caller's reach; default their top unit"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="first day; default 29 days before `to`"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="last day; default today (at most a year after `from`)"),
]


def _filters(request: Request) -> tuple[int | None, Period]:
    data = validated(PeriodFilters, data=request.query_params)
    start: date | None = data.get("from")
    return data.get("grid"), selectors.period_of(start, data.get("to"))


class DashboardApi(APIView):
    @extend_schema(parameters=PERIOD_PARAMETERS, responses=DashboardOut)
    def get(self, request: Request) -> HttpResponse:
        unit_id, period = _filters(request)
        # Already JSON (cached as rendered bytes): no second rendering.
        body = selectors.dashboard(user=request.user, unit_id=unit_id, period=period)
        return HttpResponse(body, content_type="application/json")


class OpenDataApi(APIView):
    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="the ZIP")},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        unit_id, period = _filters(request)
        unit = unit_get(user=request.user, unit_id=unit_id) if unit_id else selectors.top_unit(user=request.user)
        ensure_in_reach(request.user, unit, STAFF_ROLES, hide=True)
        name = f"open-data-{unit.code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.zip"
        response = StreamingHttpResponse(
            opendata.stream(user=request.user, unit=unit, period=period), content_type="application/zip"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

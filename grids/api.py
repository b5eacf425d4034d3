"""HTTP for the grid tree and role assignments: thin views over services and selectors."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.pagination import paginated_response
from backend.views import created, filtered_page, validated

from . import selectors, services
from .filters import GridUnitFilter
from .models import Assignment, GridLevel, GridUnit, Role
from .scope import is_admin_somewhere


class GridUnitOut(serializers.ModelSerializer):
    class Meta:
        model = GridUnit
        fields = ["id", "name", "level", "code", "parent", "path"]


class GridUnitIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    level = serializers.ChoiceField(choices=GridLevel.choices)
    code = serializers.RegexField(r"^[0-9A-Za-z-]{1,32}$", max_length=32)
    parent = serializers.IntegerField(allow_null=True, required=False)


class AssignmentOut(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.display_name", read_only=True)
    grid = serializers.IntegerField(source="unit_id", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "user", "user_name", "role", "grid", "created_at"]


class AssignmentIn(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    role = serializers.ChoiceField(choices=Role.choices)


class GridListApi(APIView):
    requires: ClassVar[dict] = {"POST": is_admin_somewhere}

    @extend_schema(
        parameters=[
            OpenApiParameter("parent", int),
            OpenApiParameter("level", str, enum=GridLevel.values),
            OpenApiParameter("q", str),
        ],
        responses=GridUnitOut(many=True),
    )
    def get(self, request: Request) -> Response:
        return filtered_page(request, self, GridUnitFilter, selectors.units_visible_to(user=request.user), GridUnitOut)

    @extend_schema(request=GridUnitIn, responses={201: GridUnitOut})
    def post(self, request: Request) -> Response:
        fields = validated(GridUnitIn, request)
        parent_id = fields.pop("parent", None)
        # The parent is looked up in the caller's view of the tree: outside it, 404.
        parent = selectors.unit_get(user=request.user, unit_id=parent_id) if parent_id is not None else None
        unit = services.unit_create(actor=request.user, parent=parent, **fields)
        return created(GridUnitOut(unit).data)


class GridDetailApi(APIView):
    @extend_schema(responses=GridUnitOut)
    def get(self, request: Request, unit_id: int) -> Response:
        return Response(GridUnitOut(selectors.unit_get(user=request.user, unit_id=unit_id)).data)


class GridAssignmentsApi(APIView):
    requires: ClassVar[dict] = {"POST": is_admin_somewhere}

    @extend_schema(responses=AssignmentOut(many=True))
    def get(self, request: Request, unit_id: int) -> Response:
        unit = selectors.unit_get(user=request.user, unit_id=unit_id)
        rows = selectors.assignments_visible_to(user=request.user, unit=unit)
        return paginated_response(request, self, rows, AssignmentOut)

    @extend_schema(request=AssignmentIn, responses={201: AssignmentOut})
    def post(self, request: Request, unit_id: int) -> Response:
        unit = selectors.unit_get(user=request.user, unit_id=unit_id)
        assignment = services.assignment_create(actor=request.user, unit=unit, **validated(AssignmentIn, request))
        return created(AssignmentOut(assignment).data)

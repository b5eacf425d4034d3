"""HTTP for accounts, phone binding and residences: thin views over services and selectors."""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from backend.messages import Msg
from backend.throttling import ScopedThrottle
from backend.views import created, filtered_page, validated
from grids.models import GridUnit, Role
from grids.scope import is_admin_somewhere

from . import selectors, services
from .filters import ResidenceFilter
from .models import Residence, ResidenceStatus, User

# --- serializers -------------------------------------------------------------------------


class ResidenceOut(serializers.ModelSerializer):
    grid_name = serializers.CharField(source="grid.name", read_only=True)

    class Meta:
        model = Residence
        fields = ["id", "grid", "grid_name", "address", "status", "note", "reviewed_at", "created_at"]


class RoleOut(serializers.Serializer):
    role = serializers.CharField()
    grid = serializers.IntegerField(source="unit_id")
    grid_name = serializers.CharField(source="unit.name")


class UserOut(serializers.ModelSerializer):
    """API.md `user`. The phone is always masked here; its owner knows it."""

    phone_masked = serializers.CharField(read_only=True)
    residence = serializers.SerializerMethodField()
    verified = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "nickname", "avatar_url", "name", "phone_masked", "residence", "verified", "roles"]

    def _residence(self, user: User) -> Residence | None:
        if not hasattr(user, "_current_residence"):
            user._current_residence = selectors.current_residence(user=user)
        return user._current_residence

    def get_residence(self, user: User) -> dict[str, Any] | None:
        residence = self._residence(user)
        return ResidenceOut(residence).data if residence else None

    def get_verified(self, user: User) -> bool:
        residence = self._residence(user)
        return bool(residence and residence.status == ResidenceStatus.VERIFIED)

    def get_roles(self, user: User) -> list[dict[str, Any]]:
        return RoleOut(user.assignments.select_related("unit").order_by("pk"), many=True).data


class TokensOut(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    user = UserOut()


def tokens_for(user: User) -> dict[str, Any]:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh), "user": UserOut(user).data}


# --- auth --------------------------------------------------------------------------------


class LoginApi(APIView):
    """Open to anyone, limited per IP; subclasses turn credentials into tokens."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    # Per address, on top of the per-account lock-out in the login service.
    throttle_classes = [ScopedThrottle]
    throttle_scope = "login"


class WeChatLoginApi(LoginApi):
    class In(serializers.Serializer):
        code = serializers.CharField(max_length=128)

    @extend_schema(request=In, responses=TokensOut)
    def post(self, request: Request) -> Response:
        user = services.wechat_login(code=validated(self.In, request)["code"])
        return Response(tokens_for(user))


class PasswordLoginApi(LoginApi):
    class In(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(request=In, responses=TokensOut)
    def post(self, request: Request) -> Response:
        return Response(tokens_for(services.password_login(**validated(self.In, request), request=request)))


class RefreshApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    schema_errors = (401,)  # a bad or expired refresh token

    @extend_schema(
        request=TokenRefreshSerializer, responses=inline_serializer("AccessOut", {"access": serializers.CharField()})
    )
    def post(self, request: Request) -> Response:
        return Response({"access": validated(TokenRefreshSerializer, request)["access"]})


# --- me ----------------------------------------------------------------------------------


class MeApi(APIView):
    class In(serializers.Serializer):
        nickname = serializers.CharField(max_length=64, required=False, allow_blank=True)
        avatar_url = serializers.URLField(max_length=500, required=False, allow_blank=True)

    @extend_schema(responses=UserOut)
    def get(self, request: Request) -> Response:
        return Response(UserOut(request.user).data)

    @extend_schema(request=In, responses=UserOut)
    def patch(self, request: Request) -> Response:
        user = services.user_update_profile(user=request.user, **validated(self.In, request))
        return Response(UserOut(user).data)


class MePhoneApi(APIView):
    class In(serializers.Serializer):
        code = serializers.CharField(max_length=128)

    @extend_schema(request=In, responses=UserOut)
    def post(self, request: Request) -> Response:
        return Response(
            UserOut(services.user_bind_phone(user=request.user, code=validated(self.In, request)["code"])).data
        )


class MeResidenceApi(APIView):
    class In(serializers.Serializer):
        grid = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all())
        address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(request=In, responses={201: ResidenceOut})
    def post(self, request: Request) -> Response:
        residence = services.residence_claim(user=request.user, **validated(self.In, request))
        return created(ResidenceOut(residence).data)


# --- residences (staff) ------------------------------------------------------------------


class ResidenceStaffOut(ResidenceOut):
    user = serializers.IntegerField(source="user_id")
    user_name = serializers.CharField(source="user.display_name")

    class Meta(ResidenceOut.Meta):
        fields = [*ResidenceOut.Meta.fields, "user", "user_name"]


class ResidenceListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=ResidenceStatus.values), OpenApiParameter("grid", int)],
        responses=ResidenceStaffOut(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = selectors.residences_visible_to(user=request.user).select_related("grid", "user")
        return filtered_page(request, self, ResidenceFilter, rows, ResidenceStaffOut)


class ResidenceDetailApi(APIView):
    @extend_schema(responses=ResidenceStaffOut)
    def get(self, request: Request, residence_id: int) -> Response:
        return Response(ResidenceStaffOut(selectors.residence_get(user=request.user, residence_id=residence_id)).data)


class ResidenceReviewApi(APIView):
    action = ""

    class In(serializers.Serializer):
        note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(request=In, responses=ResidenceStaffOut)
    def post(self, request: Request, residence_id: int) -> Response:
        residence = selectors.residence_get(user=request.user, residence_id=residence_id)
        data = validated(self.In, request)
        review = services.residence_verify if self.action == "verify" else services.residence_reject
        residence = review(residence=residence, actor=request.user, note=data["note"])
        return Response(ResidenceStaffOut(residence).data)


class ResidenceVerifyApi(ResidenceReviewApi):
    action = "verify"


class ResidenceRejectApi(ResidenceReviewApi):
    action = "reject"


# --- staff-side accounts -----------------------------------------------------------------


class UserCreateApi(APIView):
    requires: ClassVar[dict] = {"POST": is_admin_somewhere}

    class In(serializers.Serializer):
        username = serializers.RegexField(r"^[\w.@+-]{3,150}$", max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        phone = serializers.RegexField(r"^\+?\d{5,20}$", required=False, allow_blank=True, default="")
        grid = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all(), required=False)
        role = serializers.ChoiceField(choices=Role.choices, required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if ("grid" in attrs) != ("role" in attrs):
                raise serializers.ValidationError(
                    {"role": [Msg("grid 与 role 须同时提供。", "grid and role go together")]}
                )
            return attrs

    @extend_schema(request=In, responses={201: UserOut})
    def post(self, request: Request) -> Response:
        data = validated(self.In, request)
        user = services.staff_account_create(actor=request.user, **data)
        return created(UserOut(user).data)

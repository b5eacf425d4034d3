"""HTTP for mediation (API.md "Mediation"): thin views over services and selectors.

Every call on a case answers with the case as it now is (`CaseOut`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.idempotency import idempotent
from backend.messages import APPLICANT_REQUIRED, Msg
from backend.pagination import paginated_response
from backend.views import created, filtered_page, validated
from backend.workflow import allowed_actions
from grids.models import GridUnit
from grids.selectors import unit_get
from residents.models import User
from residents.pii import log_access

from . import selectors, services
from .filters import CaseFilter, TeamFilter
from .models import (
    Case,
    CaseEvent,
    CaseStatus,
    Category,
    FollowUp,
    MediationTeam,
    MemberRole,
    Party,
    Referral,
    Session,
    TeamKind,
    TeamMember,
)

# --- serializers -------------------------------------------------------------------------


class UserRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class TeamOut(serializers.ModelSerializer):
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    member_count = serializers.SerializerMethodField()

    class Meta:
        model = MediationTeam
        fields = ["id", "name", "kind", "grid", "grid_name", "description", "active", "member_count", "created_at"]

    def get_member_count(self, team: MediationTeam) -> int:
        count = getattr(team, "member_count", None)
        return team.members.count() if count is None else count


class TeamIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=TeamKind.choices)
    grid = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all())
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    lead = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)


class MemberOut(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = TeamMember
        fields = ["id", "team", "user", "user_name", "role", "created_at"]


class MemberIn(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    role = serializers.ChoiceField(choices=MemberRole.choices)


class PartyIn(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    phone = serializers.RegexField(r"^\+?\d{5,20}$", required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Party.Role.choices)


class CaseIn(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    description = serializers.CharField(max_length=5000)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    grid = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all(), required=False)
    team = serializers.PrimaryKeyRelatedField(queryset=MediationTeam.objects.all(), required=False)
    parties = PartyIn(many=True, allow_empty=False, max_length=20)

    def validate_parties(self, parties: list[dict[str, Any]]) -> list[services.PartyIn]:
        if not any(p["role"] == Party.Role.APPLICANT for p in parties):
            raise serializers.ValidationError(APPLICANT_REQUIRED)
        return [services.PartyIn(**p) for p in parties]


class PartyOut(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField()

    class Meta:
        model = Party
        fields = ["id", "name", "role", "user", "phone", "phone_masked"]

    def get_phone(self, party: Party) -> str | None:
        """The full number for staff of the case's subtree only (their view is logged)."""
        return party.phone if self.context.get("show_phones") else None


class SessionOut(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ["id", "scheduled_at", "place", "notes", "recorded_at", "recorded_by", "cancelled_at"]


class EventOut(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.display_name", default=None)

    class Meta:
        model = CaseEvent
        fields = ["action", "actor", "actor_name", "from_status", "to_status", "note", "at"]


class FollowUpOut(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "notes", "fulfilled", "by", "at"]


class AgreementOut(serializers.Serializer):
    terms = serializers.CharField()
    recorded_by = serializers.IntegerField(source="recorded_by_id", allow_null=True)
    at = serializers.DateTimeField()


class CaseListOut(serializers.ModelSerializer):
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    team_name = serializers.CharField(source="team.name", default=None, read_only=True)
    mine = serializers.BooleanField(default=False, read_only=True, help_text="the caller mediates it")

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "title",
            "category",
            "status",
            "source",
            "grid",
            "grid_name",
            "team",
            "team_name",
            "due_at",
            "is_overdue",
            "next_session_at",
            "mine",
            "created_at",
        ]


class CaseOut(CaseListOut):
    mediators = UserRef(many=True, read_only=True)
    parties = serializers.SerializerMethodField()
    sessions = SessionOut(many=True, read_only=True)
    agreement = serializers.SerializerMethodField()
    follow_ups = FollowUpOut(many=True, read_only=True)
    timeline = EventOut(source="events", many=True, read_only=True)
    actions = serializers.SerializerMethodField(help_text="actions the state machine allows now")

    class Meta(CaseListOut.Meta):
        fields = [
            *CaseListOut.Meta.fields,
            "description",
            "source_appeal_id",
            "applicant",
            "registered_by",
            "mediators",
            "parties",
            "accepted_at",
            "overdue_at",
            "decline_reason",
            "sessions",
            "agreement",
            "outcome",
            "outcome_at",
            "failure_reason",
            "referral",
            "follow_ups",
            "closed_at",
            "timeline",
            "actions",
        ]

    @extend_schema_field(PartyOut(many=True))
    def get_parties(self, case: Case) -> list[dict[str, Any]]:
        return PartyOut(case.parties.all(), many=True, context={"show_phones": case.show_phones}).data

    @extend_schema_field(AgreementOut(allow_null=True))
    def get_agreement(self, case: Case) -> dict[str, Any] | None:
        agreement = getattr(case, "agreement", None)
        return AgreementOut(agreement).data if agreement else None

    def get_actions(self, case: Case) -> list[str]:
        return allowed_actions(case)


class AcceptIn(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=MediationTeam.objects.all())
    mediators = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True, allow_empty=False)

    def validate_mediators(self, mediators: list[User]) -> list[User]:
        if len(mediators) > 10:
            raise serializers.ValidationError(Msg("最多 10 名调解员。", "at most 10 mediators"))
        return mediators


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class SessionIn(serializers.Serializer):
    scheduled_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200)


class RecordIn(serializers.Serializer):
    notes = serializers.CharField(max_length=10000)


class AgreementIn(serializers.Serializer):
    terms = serializers.CharField(max_length=10000)


class FailIn(ReasonIn):
    referral = serializers.ChoiceField(choices=Referral.choices)


class FollowUpIn(serializers.Serializer):
    notes = serializers.CharField(max_length=5000)
    fulfilled = serializers.BooleanField()


class EscalateIn(ReasonIn):
    team = serializers.PrimaryKeyRelatedField(
        queryset=MediationTeam.objects.all(), required=False, help_text="default: the nearest team one level up"
    )


class FiguresRow(serializers.Serializer):
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    agreed = serializers.IntegerField()
    failed = serializers.IntegerField()
    agreed_rate = serializers.FloatField(allow_null=True, help_text="agreed / (agreed + failed); null when none")


class TeamFiguresOut(FiguresRow):
    team = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class UnitFiguresOut(FiguresRow):
    grid = serializers.IntegerField()
    name = serializers.CharField()


class FiguresOut(FiguresRow):
    per_team = TeamFiguresOut(many=True)
    per_unit = UnitFiguresOut(many=True, help_text="per child unit of `grid`")


def _case_out(request: Request, case_id: int, *, acted: bool = False) -> dict[str, Any]:
    case = selectors.case_for_display(user=request.user, case_id=case_id, acted=acted)
    seen = selectors.phones_seen(user=request.user, case=case)
    if seen:  # phones shown unmasked are logged (PIPL); the read itself writes nothing
        log_access(accessor=request.user, subjects=seen, field="phone", purpose=f"mediation case {case.number}")
    return CaseOut(case).data


# --- teams -------------------------------------------------------------------------------


class TeamListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("grid", int, description="teams that may take a case in this unit"),
            OpenApiParameter("kind", str, enum=TeamKind.values),
        ],
        responses=TeamOut(many=True),
    )
    def get(self, request: Request) -> Response:
        return filtered_page(request, self, TeamFilter, selectors.team_list(user=request.user), TeamOut)

    @extend_schema(request=TeamIn, responses={201: TeamOut})
    def post(self, request: Request) -> Response:
        team = services.team_create(actor=request.user, **validated(TeamIn, request))
        return created(TeamOut(team).data)


class TeamDetailApi(APIView):
    @extend_schema(responses=TeamOut)
    def get(self, request: Request, team_id: int) -> Response:
        return Response(TeamOut(selectors.team_get(user=request.user, team_id=team_id)).data)


class TeamMembersApi(APIView):
    @extend_schema(responses=MemberOut(many=True))
    def get(self, request: Request, team_id: int) -> Response:
        team = selectors.team_get(user=request.user, team_id=team_id)
        return paginated_response(request, self, selectors.team_members(user=request.user, team=team), MemberOut)

    @extend_schema(request=MemberIn, responses={201: MemberOut})
    def post(self, request: Request, team_id: int) -> Response:
        team = selectors.team_get(user=request.user, team_id=team_id)
        member = services.team_member_add(team=team, actor=request.user, **validated(MemberIn, request))
        return created(MemberOut(member).data)


# --- cases -------------------------------------------------------------------------------


class CaseListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=CaseStatus.values),
            OpenApiParameter("category", str, enum=Category.values),
            OpenApiParameter("team", int),
            OpenApiParameter("grid", int, description="cases in this unit's subtree"),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("mine", bool, description="cases I mediate or am a party to"),
        ],
        responses=CaseListOut(many=True),
        description="The caller's cases: the ones they mediate first, then by what is due next.",
    )
    def get(self, request: Request) -> Response:
        return filtered_page(
            request, self, CaseFilter, selectors.case_list(user=request.user), CaseListOut, ordering="sort_key"
        )

    @extend_schema(request=CaseIn, responses={201: CaseOut})
    @idempotent
    def post(self, request: Request) -> Response:
        case = services.case_create(actor=request.user, **validated(CaseIn, request))
        return created(_case_out(request, case.pk, acted=True))


class CaseDetailApi(APIView):
    @extend_schema(responses=CaseOut)
    def get(self, request: Request, case_id: int) -> Response:
        return Response(_case_out(request, case_id))


class CaseActionApi(APIView):
    """POST .../cases/{id}/<action>: parse `In`, call `service`, answer with the case. Each
    action is a named subclass saying its body, its service and its status."""

    In: ClassVar[type[serializers.Serializer]] = serializers.Serializer
    service: ClassVar[Callable[..., Any]]
    answer_status: ClassVar[int] = status.HTTP_200_OK

    def post(self, request: Request, case_id: int, **url_kwargs: Any) -> Response:
        case = selectors.case_get(user=request.user, case_id=case_id)
        type(self).service(case=case, actor=request.user, **url_kwargs, **validated(self.In, request))
        # The service has just checked the caller; escalating may take the case out of their view.
        return Response(_case_out(request, case_id, acted=True), status=self.answer_status)


def _schema(
    body: type[serializers.Serializer], code: int = status.HTTP_200_OK
) -> Callable[[type[APIView]], type[APIView]]:
    """The schema of an action view: its input and its answer (the method is inherited)."""
    return extend_schema_view(post=extend_schema(request=body, responses={code: CaseOut}))


@_schema(AcceptIn)
class CaseAcceptApi(CaseActionApi):
    """Staff of the area or the offered team's lead: applied -> accepted, with a team and mediators."""

    In = AcceptIn
    service = staticmethod(services.case_accept)


@_schema(ReasonIn)
class CaseDeclineApi(CaseActionApi):
    """Staff or the offered team's lead: applied -> declined, with the reason."""

    In = ReasonIn
    service = staticmethod(services.case_decline)


@_schema(SessionIn, status.HTTP_201_CREATED)
class CaseSessionsApi(CaseActionApi):
    """A mediator schedules a session (the first one starts mediating)."""

    In = SessionIn
    service = staticmethod(services.session_schedule)
    answer_status = status.HTTP_201_CREATED


@_schema(RecordIn)
class SessionRecordApi(CaseActionApi):
    """A mediator records a session's notes."""

    In = RecordIn
    service = staticmethod(services.session_record)


@_schema(AgreementIn)
class CaseAgreementApi(CaseActionApi):
    """A mediator records the agreement: mediating -> agreed."""

    In = AgreementIn
    service = staticmethod(services.case_agree)


@_schema(FailIn)
class CaseFailApi(CaseActionApi):
    """A mediator records a failure with its referral: -> failed."""

    In = FailIn
    service = staticmethod(services.case_fail)


@_schema(FollowUpIn)
class CaseFollowUpApi(CaseActionApi):
    """The return visit after an outcome: -> closed."""

    In = FollowUpIn
    service = staticmethod(services.case_follow_up)


@_schema(EscalateIn)
class CaseEscalateApi(CaseActionApi):
    """Hand the case to a team one level up: -> applied, offered to it."""

    In = EscalateIn
    service = staticmethod(services.case_escalate)


# --- figures -----------------------------------------------------------------------------


class FiguresApi(APIView):
    class Filters(serializers.Serializer):
        grid = serializers.IntegerField()

    @extend_schema(parameters=[OpenApiParameter("grid", int, required=True)], responses=FiguresOut)
    def get(self, request: Request) -> Response:
        unit = unit_get(user=request.user, unit_id=validated(self.Filters, data=request.query_params)["grid"])
        return Response(FiguresOut(selectors.figures(user=request.user, unit=unit)).data)

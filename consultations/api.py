"""HTTP for consultations' core (API.md "Consultations"): thin views over services and
selectors, with their serializers beside them. The discussion (posts, reports, moderation)
has its own views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals.models import Category
from backend import workflow
from backend.idempotency import idempotent
from backend.views import created, filtered_page, validated
from grids.models import GridUnit
from resources.selectors import station_get

from . import selectors, services
from .discussion.serializers import HideIn, PhotoOut, attachments_field, render_datetime
from .filters import ConsultationFilter
from .models import (
    MAX_BODY,
    MAX_POST,
    MAX_TITLE,
    Consultation,
    ConsultationEvent,
    ConsultationKind,
    ConsultationStatus,
    Meeting,
    Objection,
    ProgressReport,
    VoteChoice,
)
from .permissions import is_staff_of, lives_under
from .photos import passed_photos_of_topic
from .serializers import ActorOut, MotionOut

# --- output ------------------------------------------------------------------------------


class EventOut(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = ConsultationEvent
        fields = ["id", "action", "actor", "from_status", "to_status", "note", "at"]

    @extend_schema_field(ActorOut(allow_null=True))
    def get_actor(self, event: ConsultationEvent) -> dict[str, Any] | None:
        return ActorOut(event.actor).data if event.actor else None


class ObjectionOut(serializers.ModelSerializer):
    class Meta:
        model = Objection
        fields = ["id", "consultation", "body", "status", "answer", "answered_at", "created_at"]


class ConsultationOut(serializers.ModelSerializer):
    """A list row: no nested lists, so a page costs a fixed number of queries."""

    grid_name = serializers.CharField(source="grid.name")
    author = ActorOut()
    support_threshold = serializers.SerializerMethodField()
    supported_by_me = serializers.BooleanField()
    following = serializers.BooleanField()

    class Meta:
        model = Consultation
        fields = [
            "id",
            "grid",
            "grid_name",
            "level",
            "kind",
            "title",
            "status",
            "moderation",
            "author",
            "support_count",
            "support_threshold",
            "post_count",
            "supported_by_me",
            "following",
            "is_overdue",
            "created_at",
            "updated_at",
        ]

    def get_support_threshold(self, consultation: Consultation) -> int:
        return selectors.support_threshold(consultation)

    def to_representation(self, row: Consultation | dict[str, Any]) -> dict[str, Any]:
        """A row of `selectors.consultation_list`, built by hand (the list is read on every
        visit, and DRF's per-field machinery cost more CPU than its query); an instance (the
        detail) the declared way."""
        if not isinstance(row, dict):
            return super().to_representation(row)
        plain = ("id", "level", "kind", "title", "status", "moderation", "support_count", "post_count", "is_overdue")
        return {
            **{name: row[name] for name in plain},
            "grid": row["grid_id"],
            "grid_name": row["grid_name"],
            "author": {"id": row["author_id"], "nickname": row["author_nickname"]},
            "support_threshold": selectors.level_threshold(row["level"]),
            "supported_by_me": row["supported_by_me"],
            "following": row["following"],
            "created_at": render_datetime(row["created_at"]),
            "updated_at": render_datetime(row["updated_at"]),
        }


class ProgressOut(serializers.ModelSerializer):
    class Meta:
        model = ProgressReport
        fields = ["id", "content", "percent", "created_at"]


class ResolutionOut(serializers.Serializer):
    text = serializers.CharField(source="resolution")
    publicized_at = serializers.DateTimeField()
    objection_ends = serializers.DateTimeField()
    objections = ObjectionOut(many=True, source="objections.all")
    progress = ProgressOut(many=True, source="progress_reports.all")
    progress_percent = serializers.IntegerField()


class MeetingBriefOut(serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = ["id", "scheduled_at", "place", "quorum", "minutes_approved"]


# What the detail adds to a list row's fields.
DETAIL_FIELDS = [
    "body",
    "origin_grid",
    "decision_reason",
    "merged_into",
    "appeal",
    "nomination",
    "escalations",
    "decide_by",
    "meet_by",
    "evaluation_round",
    "evaluation_ends",
    "closed_at",
    "meetings",
    "resolution",
    "timeline",
    "actions",
    "photos",
]


class ConsultationDetailOut(ConsultationOut):
    meetings = MeetingBriefOut(many=True, source="meetings.all")
    resolution = serializers.SerializerMethodField()
    timeline = EventOut(many=True, source="timeline.all")
    actions = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta(ConsultationOut.Meta):
        fields = [*ConsultationOut.Meta.fields, *DETAIL_FIELDS]

    @extend_schema_field(PhotoOut(many=True))
    def get_photos(self, consultation: Consultation) -> list[dict[str, Any]]:
        """The topic's photos that passed their check (consultations/photos.py)."""
        return PhotoOut(passed_photos_of_topic(consultation.pk), many=True, context=self.context).data

    @extend_schema_field(ResolutionOut(allow_null=True))
    def get_resolution(self, consultation: Consultation) -> dict[str, Any] | None:
        return ResolutionOut(consultation).data if consultation.publicized_at else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, consultation: Consultation) -> list[str]:
        """What the caller may do now (the state table, cut to their role)."""
        user = self.context["request"].user
        actions: list[str] = []
        if is_staff_of(user, consultation):
            automatic = {"reach_threshold", "deliberate", "start_evaluation", "close", "reopen", "implement"}
            actions += [a for a in workflow.allowed_actions(consultation) if a not in automatic]
        if lives_under(user, consultation.grid_path):
            if consultation.status == ConsultationStatus.COLLECTING:
                actions.append("unsupport" if consultation.supported_by_me else "support")
            if consultation.status == ConsultationStatus.PUBLICIZED:
                actions.append("object")
        if consultation.status == ConsultationStatus.EVALUATING:
            actions.append("evaluate")
        actions.append("unfollow" if consultation.following else "follow")
        return actions


class MinutesOut(serializers.Serializer):
    text = serializers.CharField(source="minutes")
    resolution = serializers.CharField(source="minutes_resolution")
    attendees = serializers.IntegerField(source="minutes_attendees", allow_null=True)
    votes_for = serializers.IntegerField(source="minutes_votes_for", allow_null=True)
    votes_against = serializers.IntegerField(source="minutes_votes_against", allow_null=True)
    abstentions = serializers.IntegerField(source="minutes_abstentions", allow_null=True)
    recorded_at = serializers.DateTimeField(source="minutes_at", allow_null=True)
    approved = serializers.BooleanField(source="minutes_approved")
    approved_at = serializers.DateTimeField(source="minutes_approved_at", allow_null=True)


class MeetingOut(serializers.ModelSerializer):
    registered = serializers.IntegerField(source="registered_count")
    checked_in = serializers.IntegerField(source="checked_in_count")
    registered_by_me = serializers.BooleanField(source="me_registered")
    checked_in_by_me = serializers.BooleanField(source="me_checked_in")
    motions = MotionOut(many=True, source="motion_rows")
    minutes = serializers.SerializerMethodField()
    check_in_code = serializers.SerializerMethodField()
    # The model's JSON list of agenda items, as MeetingIn takes it (typed for the schema).
    agenda = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Meeting
        fields = [
            "id",
            "consultation",
            "scheduled_at",
            "place",
            "station",
            "agenda",
            "quorum",
            "registered",
            "checked_in",
            "registered_by_me",
            "checked_in_by_me",
            "motions",
            "minutes",
            "check_in_code",
        ]

    @extend_schema_field(MinutesOut(allow_null=True))
    def get_minutes(self, meeting: Meeting) -> dict[str, Any] | None:
        return MinutesOut(meeting).data if meeting.minutes else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_check_in_code(self, meeting: Meeting) -> str | None:
        """Staff only: they read it out (or show its QR code) at the meeting."""
        return meeting.check_in_code if is_staff_of(self.context["request"].user, meeting.consultation) else None


def consultation_answer(request: Request, consultation_id: int, code: int = status.HTTP_200_OK) -> Response:
    """The consultation as the caller now sees it (every state-changing call answers with it)."""
    consultation = selectors.consultation_detail(user=request.user, consultation_id=consultation_id)
    return Response(ConsultationDetailOut(consultation, context={"request": request}).data, status=code)


def meeting_answer(request: Request, meeting_id: int, code: int = status.HTTP_200_OK) -> Response:
    meeting = selectors.meeting_detail(user=request.user, meeting_id=meeting_id)
    return Response(MeetingOut(meeting, context={"request": request}).data, status=code)


# --- input -------------------------------------------------------------------------------


class NoInput(serializers.Serializer):
    pass


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ConsultationIn(serializers.Serializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all())
    title = serializers.CharField(max_length=MAX_TITLE)
    body = serializers.CharField(max_length=MAX_BODY)
    kind = serializers.ChoiceField(choices=ConsultationKind.choices, default=ConsultationKind.QUICK)
    attachments = attachments_field()


class ReviewIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["schedule", "reject", "merge", "convert"])
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    into = serializers.IntegerField(required=False, min_value=1)
    to = serializers.ChoiceField(choices=["appeal", "monthly"], required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False, default=Category.OTHER)


class MeetingIn(serializers.Serializer):
    scheduled_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200, allow_blank=True, help_text="blank: the station's name")
    agenda = serializers.ListField(child=serializers.CharField(max_length=200), max_length=30, default=list)
    quorum = serializers.IntegerField(min_value=1, max_value=10_000, required=False)
    station = serializers.IntegerField(required=False, help_text="a 五港 station to hold it at (reserved for it)")
    duration_minutes = serializers.IntegerField(min_value=15, max_value=480, required=False, default=120)


class CodeIn(serializers.Serializer):
    code = serializers.CharField(max_length=16)


class MotionIn(serializers.Serializer):
    text = serializers.CharField(max_length=500)


class VoteIn(serializers.Serializer):
    choice = serializers.ChoiceField(choices=VoteChoice.choices)


class MinutesIn(serializers.Serializer):
    minutes = serializers.CharField(max_length=MAX_BODY)
    resolution = serializers.CharField(max_length=MAX_BODY, required=False, allow_blank=True, default="")
    attendees = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    votes_for = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    votes_against = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    abstentions = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)


class ResolutionIn(serializers.Serializer):
    resolution = serializers.CharField(max_length=MAX_BODY)


class BodyIn(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_POST)


class ProgressIn(serializers.Serializer):
    content = serializers.CharField(max_length=MAX_POST)
    percent = serializers.IntegerField(min_value=0, max_value=100)


class EvaluateIn(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    satisfied = serializers.BooleanField()


# --- consultations -----------------------------------------------------------------------


class ConsultationListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("grid", int, description="topics raised in this unit's subtree"),
            OpenApiParameter("status", str, enum=ConsultationStatus.values),
            OpenApiParameter("kind", str, enum=ConsultationKind.values),
            OpenApiParameter("q", str, description="words in the title or body"),
            OpenApiParameter("following", bool),
            OpenApiParameter("overdue", bool),
        ],
        responses=ConsultationOut(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = selectors.consultation_list(user=request.user)
        return filtered_page(request, self, ConsultationFilter, rows, ConsultationOut)

    @extend_schema(request=ConsultationIn, responses={201: ConsultationDetailOut})
    @idempotent
    def post(self, request: Request) -> Response:
        consultation = services.do_create_consultation(actor=request.user, **validated(ConsultationIn, request))
        return consultation_answer(request, consultation.pk, status.HTTP_201_CREATED)


class ConsultationDetailApi(APIView):
    @extend_schema(responses=ConsultationDetailOut)
    def get(self, request: Request, consultation_id: int) -> Response:
        return consultation_answer(request, consultation_id)


class ConsultationSupportApi(APIView):
    @extend_schema(request=None, responses=ConsultationDetailOut, description="附议 (idempotent; one per household).")
    def post(self, request: Request, consultation_id: int) -> Response:
        consultation = selectors.consultation_get(user=request.user, consultation_id=consultation_id)
        services.do_support_consultation(consultation=consultation, actor=request.user)
        return consultation_answer(request, consultation_id)

    @extend_schema(request=None, responses=ConsultationDetailOut, description="Withdraw a support while collecting.")
    def delete(self, request: Request, consultation_id: int) -> Response:
        consultation = selectors.consultation_get(user=request.user, consultation_id=consultation_id)
        services.do_unsupport_consultation(consultation=consultation, actor=request.user)
        return consultation_answer(request, consultation_id)


class ConsultationFollowApi(APIView):
    @extend_schema(request=None, responses=ConsultationDetailOut)
    def post(self, request: Request, consultation_id: int) -> Response:
        consultation = selectors.consultation_get(user=request.user, consultation_id=consultation_id)
        services.do_follow_consultation(consultation=consultation, actor=request.user)
        return consultation_answer(request, consultation_id)

    @extend_schema(request=None, responses=ConsultationDetailOut)
    def delete(self, request: Request, consultation_id: int) -> Response:
        consultation = selectors.consultation_get(user=request.user, consultation_id=consultation_id)
        services.do_unfollow_consultation(consultation=consultation, actor=request.user)
        return consultation_answer(request, consultation_id)


class _ActionApi(APIView):
    """A POST that finds its subject in the caller's scope (404), validates the body, runs the
    service and answers with the subject as it now is. Each action is a named subclass saying,
    as class arguments, its body (`In`), its service and whether it creates (201); its docstring
    is the schema's description."""

    In: ClassVar[type[serializers.Serializer]] = NoInput
    Out: ClassVar[type[serializers.Serializer]]
    created: ClassVar[bool] = False
    service: ClassVar[Callable[..., Any]]

    def __init_subclass__(
        cls,
        body: type[serializers.Serializer] | None = None,
        service: Callable[..., Any] | None = None,
        created: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__name__.startswith("_"):
            return  # a base of one kind of subject
        cls.In, cls.created = body or cls.In, created
        if service is not None:
            cls.service = staticmethod(service)
        # extend_schema_view copies the inherited `post`, so each action gets its own schema.
        answer = {201: cls.Out} if cls.created else cls.Out
        request = None if cls.In is NoInput else cls.In
        extend_schema_view(post=extend_schema(request=request, responses=answer))(cls)

    def code(self) -> int:
        return status.HTTP_201_CREATED if self.created else status.HTTP_200_OK


class _ConsultationActionApi(_ActionApi):
    Out = ConsultationDetailOut

    def act(self, request: Request, consultation: Consultation, data: dict[str, Any]) -> None:
        type(self).service(consultation=consultation, actor=request.user, **data)

    def post(self, request: Request, consultation_id: int) -> Response:
        consultation = selectors.consultation_get(user=request.user, consultation_id=consultation_id)
        self.act(request, consultation, validated(self.In, request))
        return consultation_answer(request, consultation_id, self.code())


class ConsultationReviewApi(_ConsultationActionApi, body=ReviewIn):
    """Staff: schedule, reject, merge or convert."""

    def act(self, request: Request, consultation: Consultation, data: dict[str, Any]) -> None:
        into = data.pop("into", None)
        target = selectors.consultation_get(user=request.user, consultation_id=into) if into else None
        services.do_review_consultation(consultation=consultation, actor=request.user, into=target, **data)


class ConsultationTakeUpApi(_ConsultationActionApi, service=services.do_take_up_consultation):
    """Staff take it up for review."""


class ConsultationCloseApi(_ConsultationActionApi, body=ResolutionIn, service=services.do_publicize_consultation):
    """Staff: publish the resolution."""


class ConsultationNoConsensusApi(_ConsultationActionApi, body=ReasonIn, service=services.do_fail_consensus):
    """Staff: the meeting reached no consensus."""


class ConsultationEscalateApi(_ConsultationActionApi, body=ReasonIn, service=services.do_escalate_consultation):
    """Staff: no consensus goes to the parent unit."""


class ConsultationEndApi(_ConsultationActionApi, body=ReasonIn, service=services.do_end_consultation):
    """Staff: no consensus, and it ends there."""


class ConsultationProgressApi(
    _ConsultationActionApi, body=ProgressIn, created=True, service=services.do_report_progress
):
    """Staff report work on the resolution."""


class ConsultationEvaluateApi(_ConsultationActionApi, body=EvaluateIn, service=services.do_evaluate_consultation):
    """Participants rate the outcome."""


class ConsultationObjectionsApi(APIView):
    @extend_schema(responses=ObjectionOut(many=True))
    def get(self, request: Request, consultation_id: int) -> Response:
        consultation = selectors.consultation_detail(user=request.user, consultation_id=consultation_id)
        return Response(ObjectionOut(consultation.objections.all(), many=True).data)

    @extend_schema(request=BodyIn, responses={201: ObjectionOut}, description="Residents, within the objection window.")
    def post(self, request: Request, consultation_id: int) -> Response:
        consultation = selectors.consultation_get(user=request.user, consultation_id=consultation_id)
        objection = services.do_object_consultation(
            consultation=consultation, actor=request.user, **validated(BodyIn, request)
        )
        return created(ObjectionOut(objection).data)


class ObjectionAnswerApi(APIView):
    @extend_schema(request=BodyIn, responses=ObjectionOut, description="Staff answer an objection.")
    def post(self, request: Request, objection_id: int) -> Response:
        objection = selectors.objection_get(user=request.user, objection_id=objection_id)
        answered = services.do_answer_objection(objection=objection, actor=request.user, **validated(BodyIn, request))
        return Response(ObjectionOut(answered).data)


def _moderation_schema(kind: str, action: str, out: type[serializers.Serializer]) -> Any:
    what = {"consultation": "a topic", "objection": "an objection", "photo": "a photo"}[kind]
    done = "publish" if action == "release" else "reject, with a reason,"
    return extend_schema(
        operation_id=f"{kind}_{action}",
        request=HideIn if action == "hide" else None,
        responses=out,
        description=f"Staff of its reach {done} {what} the content check held; its author is told.",
    )


def _settle_held(request: Request, item: Consultation | Objection, *, hide: bool) -> Consultation | Objection:
    """The service checks staff (403) before the reason (400): the body goes in unvalidated."""
    if not hide:
        return services.do_release_text(item=item, actor=request.user)
    reason = request.data.get("reason") if hasattr(request.data, "get") else None
    return services.do_reject_text(item=item, actor=request.user, reason=reason if isinstance(reason, str) else "")


class ConsultationReleaseApi(APIView):
    hide = False

    @_moderation_schema("consultation", "release", ConsultationDetailOut)
    def post(self, request: Request, consultation_id: int) -> Response:
        consultation = selectors.consultation_get(user=request.user, consultation_id=consultation_id)
        _settle_held(request, consultation, hide=self.hide)
        return consultation_answer(request, consultation_id)


class ConsultationHideApi(ConsultationReleaseApi):
    hide = True

    @_moderation_schema("consultation", "hide", ConsultationDetailOut)
    def post(self, request: Request, consultation_id: int) -> Response:
        return super().post(request, consultation_id)


class ObjectionReleaseApi(APIView):
    hide = False

    @_moderation_schema("objection", "release", ObjectionOut)
    def post(self, request: Request, objection_id: int) -> Response:
        objection = selectors.objection_get(user=request.user, objection_id=objection_id)
        return Response(ObjectionOut(_settle_held(request, objection, hide=self.hide)).data)


class ObjectionHideApi(ObjectionReleaseApi):
    hide = True

    @_moderation_schema("objection", "hide", ObjectionOut)
    def post(self, request: Request, objection_id: int) -> Response:
        return super().post(request, objection_id)


# --- meetings and motions ----------------------------------------------------------------


class ConsultationMeetingsApi(APIView):
    @extend_schema(
        request=MeetingIn, responses={201: MeetingOut}, description="Staff: schedule a meeting; invitees are told."
    )
    def post(self, request: Request, consultation_id: int) -> Response:
        consultation = selectors.consultation_get(user=request.user, consultation_id=consultation_id)
        data = validated(MeetingIn, request)
        if "station" in data:
            data["station"] = station_get(user=request.user, station_id=data["station"])
        meeting = services.do_schedule_meeting(consultation=consultation, actor=request.user, **data)
        return meeting_answer(request, meeting.pk, status.HTTP_201_CREATED)


class MeetingDetailApi(APIView):
    @extend_schema(responses=MeetingOut)
    def get(self, request: Request, meeting_id: int) -> Response:
        return meeting_answer(request, meeting_id)


class _MeetingActionApi(_ActionApi):
    Out = MeetingOut

    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
        type(self).service(meeting=meeting, actor=request.user, **validated(self.In, request))
        return meeting_answer(request, meeting_id, self.code())


class MeetingRegisterApi(_MeetingActionApi, service=services.do_register_meeting):
    """Residents who may see the topic register for its meeting."""


class MeetingCheckInApi(_MeetingActionApi, body=CodeIn, service=services.do_check_in_meeting):
    """Sign in with the meeting's code (wrong: 400 bad_code)."""


class MeetingMinutesApi(_MeetingActionApi, body=MinutesIn, service=services.do_record_minutes):
    """Staff record the minutes."""


class MeetingMinutesApproveApi(_MeetingActionApi, service=services.do_approve_minutes):
    """Attendees approve the minutes."""


class MeetingMotionsApi(APIView):
    @extend_schema(request=MotionIn, responses={201: MotionOut}, description="Staff open a motion.")
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
        motion = services.do_open_motion(meeting=meeting, actor=request.user, **validated(MotionIn, request))
        return created(MotionOut(motion).data)


class MotionVoteApi(APIView):
    @extend_schema(request=VoteIn, responses=MotionOut, description="Signed-in attendees vote once.")
    def post(self, request: Request, motion_id: int) -> Response:
        motion = selectors.motion_get(user=request.user, motion_id=motion_id)
        voted = services.do_vote_motion(motion=motion, actor=request.user, **validated(VoteIn, request))
        return Response(MotionOut(voted).data)


class MotionCloseApi(APIView):
    @extend_schema(
        request=None, responses=MotionOut, description="Staff close a motion: for, against, abstain, passed."
    )
    def post(self, request: Request, motion_id: int) -> Response:
        motion = selectors.motion_get(user=request.user, motion_id=motion_id)
        return Response(MotionOut(services.do_close_motion(motion=motion, actor=request.user)).data)

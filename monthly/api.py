"""HTTP for 每月一事 (API.md "每月一事"): thin views over services and selectors.

No answer here ever links a voter to a choice: the ballot answers carry only the caller's own
choices, the round and results carry counts only when `selectors.results_visible` allows them.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.auth import JWTStatelessUserAuthentication
from backend.pagination import paginated_response
from backend.throttling import ScopedThrottle
from backend.views import created, filtered_page, validated
from backend.workflow import allowed_actions
from grids.models import GridUnit

from . import selectors, services
from .filters import RoundFilter
from .models import Candidate, Nomination, ProgressReport, ResultsVisibility, Round, RoundEvent, RoundStatus

# --- serializers -------------------------------------------------------------------------


class CandidateOut(serializers.ModelSerializer):
    class Meta:
        model = Candidate
        fields = ["id", "title", "description", "nomination"]


class CandidateCountOut(CandidateOut):
    """A candidate with its votes, when the caller may see counts (null otherwise)."""

    votes = serializers.SerializerMethodField()

    class Meta(CandidateOut.Meta):
        fields = [*CandidateOut.Meta.fields, "votes"]

    def get_votes(self, candidate: Candidate) -> int | None:
        tally = self.context.get("tally")
        return tally.votes.get(candidate.pk, 0) if tally is not None else None


class EventOut(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = RoundEvent
        fields = ["action", "actor", "actor_name", "from_status", "to_status", "note", "at"]

    def get_actor_name(self, event: RoundEvent) -> str:
        return event.actor.display_name if event.actor else ""


class ProgressOut(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = ["id", "content", "percent", "author", "author_name", "created_at"]

    def get_author_name(self, report: ProgressReport) -> str:
        return report.author.display_name if report.author else ""


class RoundOut(serializers.ModelSerializer):
    scope_name = serializers.CharField(source="scope.name", read_only=True)
    winner = serializers.SerializerMethodField()

    class Meta:
        model = Round
        fields = [
            "id",
            "scope",
            "scope_name",
            "month",
            "title",
            "description",
            "nomination_ends",
            "voting_starts",
            "voting_ends",
            "max_choices",
            "results_visibility",
            "status",
            "winner",
            "created_at",
        ]

    def get_winner(self, round_: Round) -> int | None:
        return round_.winner_id if round_.is_counted else None


class MeOut(serializers.Serializer):
    eligible = serializers.BooleanField()
    staff = serializers.BooleanField()
    voted = serializers.BooleanField()
    receipt = serializers.CharField(allow_null=True)


class RatingSummaryOut(serializers.Serializer):
    average = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField()


class RoundDetailOut(RoundOut):
    """The round, its candidates in a fixed neutral order (by id), its history and follow-up.
    `turnout` and candidates' `votes` are null unless the caller may see counts."""

    candidates = serializers.SerializerMethodField()
    turnout = serializers.SerializerMethodField()
    eligible = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()
    me = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(RoundOut.Meta):
        fields = [
            *RoundOut.Meta.fields,
            "candidates",
            "turnout",
            "eligible",
            "history",
            "progress",
            "rating",
            "me",
            "allowed_actions",
        ]

    @extend_schema_field(CandidateCountOut(many=True))
    def get_candidates(self, round_: Round) -> list[dict[str, Any]]:
        return CandidateCountOut(round_.candidates.order_by("pk"), many=True, context=self.context).data

    def get_turnout(self, round_: Round) -> int | None:
        tally = self.context.get("tally")
        return tally.turnout if tally is not None else None

    def get_eligible(self, round_: Round) -> int | None:
        return selectors.eligible_count(round_) if self.context.get("tally") is not None else None

    @extend_schema_field(EventOut(many=True))
    def get_history(self, round_: Round) -> list[dict[str, Any]]:
        return EventOut(round_.events.select_related("actor"), many=True).data

    @extend_schema_field(ProgressOut(many=True))
    def get_progress(self, round_: Round) -> list[dict[str, Any]]:
        return ProgressOut(round_.progress_reports.select_related("author"), many=True).data

    @extend_schema_field(RatingSummaryOut)
    def get_rating(self, round_: Round) -> dict[str, Any]:
        return selectors.rating_summary(round_)

    @extend_schema_field(MeOut)
    def get_me(self, round_: Round) -> dict[str, Any]:
        return self.context["me"]

    def get_allowed_actions(self, round_: Round) -> list[str]:
        return allowed_actions(round_) if self.context["me"]["staff"] else []


def round_detail(request: Request, round_: Round) -> dict[str, Any]:
    user = request.user
    receipt = selectors.has_voted(user, round_)
    me = {
        "eligible": selectors.is_eligible(user, round_),
        "staff": selectors.is_scope_staff(user, round_),
        "voted": receipt is not None,
        "receipt": receipt,
    }
    tally = selectors.round_tally(round_) if selectors.results_visible(user, round_) else None
    return RoundDetailOut(round_, context={"tally": tally, "me": me}).data


class NominationOut(serializers.ModelSerializer):
    mine = serializers.SerializerMethodField()

    class Meta:
        model = Nomination
        fields = ["id", "round", "title", "description", "created_at", "mine"]

    def get_mine(self, nomination: Nomination) -> bool:
        request = self.context.get("request")
        return bool(request and nomination.author_id == request.user.pk)


class ResultCandidateOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    votes = serializers.IntegerField()


class ResultsOut(serializers.Serializer):
    round = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RoundStatus.choices)
    final = serializers.BooleanField()
    turnout = serializers.IntegerField()
    eligible = serializers.IntegerField()
    turnout_rate = serializers.FloatField()
    candidates = ResultCandidateOut(many=True)
    winner = serializers.IntegerField(allow_null=True)
    counted_at = serializers.DateTimeField(allow_null=True)


class BallotChoiceOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class BallotOut(serializers.Serializer):
    round = serializers.IntegerField()
    receipt = serializers.CharField()
    cast_at = serializers.DateTimeField()
    choices = serializers.ListField(child=serializers.IntegerField())


class MyBallotOut(serializers.Serializer):
    round = serializers.IntegerField()
    receipt = serializers.CharField()
    cast_at = serializers.DateTimeField()
    choices = BallotChoiceOut(many=True)


class ReceiptOut(serializers.Serializer):
    round = serializers.IntegerField()
    receipt = serializers.CharField()
    counted = serializers.BooleanField()
    final = serializers.BooleanField()
    cast_at = serializers.DateTimeField()


# --- rounds ------------------------------------------------------------------------------


class RoundIn(serializers.Serializer):
    scope = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all())
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$")
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    nomination_ends = serializers.DateTimeField()
    voting_starts = serializers.DateTimeField()
    voting_ends = serializers.DateTimeField()
    max_choices = serializers.IntegerField(min_value=1, max_value=20, default=1)
    results_visibility = serializers.ChoiceField(
        choices=ResultsVisibility.choices, default=ResultsVisibility.AFTER_CLOSE
    )


class RoundUpdateIn(RoundIn):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, partial=True, **kwargs)
        self.fields.pop("scope")
        self.fields.pop("month")
        for field in self.fields.values():
            field.default = serializers.empty


class RoundListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("scope", int),
            OpenApiParameter("status", str, enum=RoundStatus.values),
            OpenApiParameter("month", str),
        ],
        responses=RoundOut(many=True),
    )
    def get(self, request: Request) -> Response:
        return filtered_page(request, self, RoundFilter, selectors.rounds_visible_to(user=request.user), RoundOut)

    @extend_schema(request=RoundIn, responses={201: RoundDetailOut})
    def post(self, request: Request) -> Response:
        round_ = services.round_create(actor=request.user, **validated(RoundIn, request))
        return created(round_detail(request, round_))


class RoundDetailApi(APIView):
    @extend_schema(responses=RoundDetailOut)
    def get(self, request: Request, round_id: int) -> Response:
        return Response(round_detail(request, selectors.round_get(user=request.user, round_id=round_id)))

    @extend_schema(request=RoundUpdateIn, responses=RoundDetailOut)
    def patch(self, request: Request, round_id: int) -> Response:
        round_ = selectors.round_get(user=request.user, round_id=round_id)
        round_ = services.round_update(round_=round_, actor=request.user, **validated(RoundUpdateIn, request))
        return Response(round_detail(request, round_))


class _RoundActionApi(APIView):
    """POST with no body that moves the round (open-voting, close)."""

    service = staticmethod(services.round_open_voting)

    @extend_schema(request=None, responses=RoundDetailOut)
    def post(self, request: Request, round_id: int) -> Response:
        round_ = selectors.round_get(user=request.user, round_id=round_id)
        round_ = type(self).service(round_=round_, actor=request.user)
        return Response(round_detail(request, selectors.round_get(user=request.user, round_id=round_.pk)))


class RoundOpenVotingApi(_RoundActionApi):
    service = staticmethod(services.round_open_voting)


class RoundCloseApi(_RoundActionApi):
    service = staticmethod(services.round_close)


# --- nominations and candidates ------------------------------------------------------------


class TextIn(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class NominationListApi(APIView):
    @extend_schema(responses=NominationOut(many=True))
    def get(self, request: Request, round_id: int) -> Response:
        round_ = selectors.round_get(user=request.user, round_id=round_id)
        return paginated_response(request, self, round_.nominations.all(), NominationOut, context={"request": request})

    @extend_schema(request=TextIn, responses={201: NominationOut})
    def post(self, request: Request, round_id: int) -> Response:
        round_ = selectors.round_get(user=request.user, round_id=round_id)
        nomination = services.nomination_create(round_=round_, author=request.user, **validated(TextIn, request))
        return created(NominationOut(nomination, context={"request": request}).data)


class CandidateIn(TextIn):
    nomination = serializers.PrimaryKeyRelatedField(queryset=Nomination.objects.all(), required=False)


class CandidateListApi(APIView):
    pagination_class = None  # a round's few rows, as a bare array

    @extend_schema(responses=CandidateOut(many=True))
    def get(self, request: Request, round_id: int) -> Response:
        round_ = selectors.round_get(user=request.user, round_id=round_id)
        return Response(CandidateOut(round_.candidates.order_by("pk"), many=True).data)

    @extend_schema(request=CandidateIn, responses={201: CandidateOut})
    def post(self, request: Request, round_id: int) -> Response:
        round_ = selectors.round_get(user=request.user, round_id=round_id)
        candidate = services.candidate_add(round_=round_, actor=request.user, **validated(CandidateIn, request))
        return created(CandidateOut(candidate).data)


# --- ballots -----------------------------------------------------------------------------


class BallotApi(APIView):
    # The hot path of a district vote. The token's user id is enough (no user query): the
    # ballot's own statement checks that the account is active and has a verified home.
    authentication_classes = [JWTStatelessUserAuthentication]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "ballot"

    class BallotIn(serializers.Serializer):
        choices = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=50)

    @extend_schema(request=BallotIn, responses={201: BallotOut})
    def post(self, request: Request, round_id: int) -> Response:
        # The hot path of a district vote: no round fetch here (the service keeps what it needs).
        cast = services.ballot_cast(
            round_id=round_id, voter=request.user, choices=validated(self.BallotIn, request)["choices"]
        )
        return created(cast)  # already BallotOut's plain shape


class MyBallotApi(APIView):
    @extend_schema(responses=MyBallotOut)
    def get(self, request: Request, round_id: int) -> Response:
        round_ = selectors.round_get(user=request.user, round_id=round_id)
        return Response(MyBallotOut(selectors.my_ballot(user=request.user, round_=round_)).data)


class ReceiptApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=ReceiptOut)
    def get(self, request: Request, round_id: int, receipt: str) -> Response:
        return Response(ReceiptOut(selectors.receipt_check(round_id=round_id, receipt=receipt)).data)


class ResultsApi(APIView):
    @extend_schema(responses=ResultsOut)
    def get(self, request: Request, round_id: int) -> Response:
        round_ = selectors.round_get(user=request.user, round_id=round_id)
        return Response(ResultsOut(selectors.round_results(user=request.user, round_=round_)).data)


# --- follow-up ---------------------------------------------------------------------------


class ProgressApi(APIView):
    pagination_class = None  # a round's few rows, as a bare array

    class ProgressIn(serializers.Serializer):
        content = serializers.CharField(max_length=2000)
        percent = serializers.IntegerField(min_value=0, max_value=100)

    @extend_schema(responses=ProgressOut(many=True))
    def get(self, request: Request, round_id: int) -> Response:
        round_ = selectors.round_get(user=request.user, round_id=round_id)
        return Response(ProgressOut(round_.progress_reports.select_related("author"), many=True).data)

    @extend_schema(request=ProgressIn, responses={201: RoundDetailOut})
    def post(self, request: Request, round_id: int) -> Response:
        round_ = selectors.round_get(user=request.user, round_id=round_id)
        services.progress_report(round_=round_, actor=request.user, **validated(self.ProgressIn, request))
        round_ = selectors.round_get(user=request.user, round_id=round_id)
        return created(round_detail(request, round_))


class RateApi(APIView):
    class RateIn(serializers.Serializer):
        score = serializers.IntegerField(min_value=1, max_value=5)
        comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(request=RateIn, responses={201: RoundDetailOut})
    def post(self, request: Request, round_id: int) -> Response:
        round_ = selectors.round_get(user=request.user, round_id=round_id)
        data = validated(self.RateIn, request)
        services.round_rate(round_=round_, rater=request.user, **data)
        return created(round_detail(request, round_))

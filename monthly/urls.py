"""每月一事 routes, under /api/v1/monthly/ (API.md; no trailing slashes)."""

from django.urls import path

from backend.paths import on

from . import api

urlpatterns = [
    path("rounds", api.RoundListApi.as_view(), name="monthly-rounds"),
    on("round", "", api.RoundDetailApi),
    on("round", "nominations", api.NominationListApi),
    on("round", "candidates", api.CandidateListApi),
    on("round", "open-voting", api.RoundOpenVotingApi),
    on("round", "close", api.RoundCloseApi),
    on("round", "ballot", api.BallotApi),
    on("round", "my-ballot", api.MyBallotApi),
    path("rounds/<int:round_id>/receipts/<token:receipt>", api.ReceiptApi.as_view(), name="monthly-receipt"),
    on("round", "results", api.ResultsApi),
    on("round", "progress", api.ProgressApi),
    on("round", "rate", api.RateApi),
]

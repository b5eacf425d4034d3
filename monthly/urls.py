"""每月一事 routes, under /api/v1/monthly/ (API.md; no trailing slashes)."""

from django.urls import path

from . import api

urlpatterns = [
    path("rounds", api.RoundListApi.as_view(), name="monthly-rounds"),
    path("rounds/<int:round_id>", api.RoundDetailApi.as_view(), name="monthly-round"),
    path("rounds/<int:round_id>/nominations", api.NominationListApi.as_view(), name="monthly-nominations"),
    path("rounds/<int:round_id>/candidates", api.CandidateListApi.as_view(), name="monthly-candidates"),
    path("rounds/<int:round_id>/open-voting", api.RoundOpenVotingApi.as_view(), name="monthly-open-voting"),
    path("rounds/<int:round_id>/close", api.RoundCloseApi.as_view(), name="monthly-close"),
    path("rounds/<int:round_id>/ballot", api.BallotApi.as_view(), name="monthly-ballot"),
    path("rounds/<int:round_id>/my-ballot", api.MyBallotApi.as_view(), name="monthly-my-ballot"),
    path("rounds/<int:round_id>/receipts/<token:receipt>", api.ReceiptApi.as_view(), name="monthly-receipt"),
    path("rounds/<int:round_id>/results", api.ResultsApi.as_view(), name="monthly-results"),
    path("rounds/<int:round_id>/progress", api.ProgressApi.as_view(), name="monthly-progress"),
    path("rounds/<int:round_id>/rate", api.RateApi.as_view(), name="monthly-rate"),
]

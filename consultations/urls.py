from django.urls import path

from . import api

urlpatterns = [
    path("consultations", api.ConsultationListApi.as_view(), name="consultation-list"),
    path("consultations/<int:consultation_id>", api.ConsultationDetailApi.as_view(), name="consultation-detail"),
    path(
        "consultations/<int:consultation_id>/support", api.ConsultationSupportApi.as_view(), name="consultation-support"
    ),
    path("consultations/<int:consultation_id>/follow", api.ConsultationFollowApi.as_view(), name="consultation-follow"),
    path(
        "consultations/<int:consultation_id>/take-up", api.ConsultationTakeUpApi.as_view(), name="consultation-take-up"
    ),
    path("consultations/<int:consultation_id>/review", api.ConsultationReviewApi.as_view(), name="consultation-review"),
    path(
        "consultations/<int:consultation_id>/meetings",
        api.ConsultationMeetingsApi.as_view(),
        name="consultation-meetings",
    ),
    path("consultations/<int:consultation_id>/close", api.ConsultationCloseApi.as_view(), name="consultation-close"),
    path(
        "consultations/<int:consultation_id>/no-consensus",
        api.ConsultationNoConsensusApi.as_view(),
        name="consultation-no-consensus",
    ),
    path(
        "consultations/<int:consultation_id>/escalate",
        api.ConsultationEscalateApi.as_view(),
        name="consultation-escalate",
    ),
    path("consultations/<int:consultation_id>/end", api.ConsultationEndApi.as_view(), name="consultation-end"),
    path(
        "consultations/<int:consultation_id>/objections",
        api.ConsultationObjectionsApi.as_view(),
        name="consultation-objections",
    ),
    path(
        "consultations/<int:consultation_id>/progress",
        api.ConsultationProgressApi.as_view(),
        name="consultation-progress",
    ),
    path(
        "consultations/<int:consultation_id>/evaluate",
        api.ConsultationEvaluateApi.as_view(),
        name="consultation-evaluate",
    ),
    path(
        "consultations/<int:consultation_id>/release",
        api.ConsultationReleaseApi.as_view(),
        name="consultation-release",
    ),
    path("consultations/<int:consultation_id>/hide", api.ConsultationHideApi.as_view(), name="consultation-hide"),
    path("objections/<int:objection_id>/release", api.ObjectionReleaseApi.as_view(), name="objection-release"),
    path("objections/<int:objection_id>/hide", api.ObjectionHideApi.as_view(), name="objection-hide"),
    path("objections/<int:objection_id>/answer", api.ObjectionAnswerApi.as_view(), name="objection-answer"),
    path("meetings/<int:meeting_id>", api.MeetingDetailApi.as_view(), name="meeting-detail"),
    path("meetings/<int:meeting_id>/register", api.MeetingRegisterApi.as_view(), name="meeting-register"),
    path("meetings/<int:meeting_id>/check-in", api.MeetingCheckInApi.as_view(), name="meeting-check-in"),
    path("meetings/<int:meeting_id>/motions", api.MeetingMotionsApi.as_view(), name="meeting-motions"),
    path("meetings/<int:meeting_id>/minutes", api.MeetingMinutesApi.as_view(), name="meeting-minutes"),
    path(
        "meetings/<int:meeting_id>/minutes/approve",
        api.MeetingMinutesApproveApi.as_view(),
        name="meeting-minutes-approve",
    ),
    path("motions/<int:motion_id>/vote", api.MotionVoteApi.as_view(), name="motion-vote"),
    path("motions/<int:motion_id>/close", api.MotionCloseApi.as_view(), name="motion-close"),
]

from django.urls import path

from backend.paths import on

from . import api

urlpatterns = [
    path("consultations", api.ConsultationListApi.as_view(), name="consultation-list"),
    on("consultation", "", api.ConsultationDetailApi),
    on("consultation", "support", api.ConsultationSupportApi),
    on("consultation", "follow", api.ConsultationFollowApi),
    on("consultation", "take-up", api.ConsultationTakeUpApi),
    on("consultation", "review", api.ConsultationReviewApi),
    on("consultation", "meetings", api.ConsultationMeetingsApi),
    on("consultation", "close", api.ConsultationCloseApi),
    on("consultation", "no-consensus", api.ConsultationNoConsensusApi),
    on("consultation", "escalate", api.ConsultationEscalateApi),
    on("consultation", "end", api.ConsultationEndApi),
    on("consultation", "objections", api.ConsultationObjectionsApi),
    on("consultation", "progress", api.ConsultationProgressApi),
    on("consultation", "evaluate", api.ConsultationEvaluateApi),
    on("consultation", "release", api.ConsultationReleaseApi),
    on("consultation", "hide", api.ConsultationHideApi),
    on("objection", "release", api.ObjectionReleaseApi),
    on("objection", "hide", api.ObjectionHideApi),
    on("objection", "answer", api.ObjectionAnswerApi),
    on("meeting", "", api.MeetingDetailApi),
    on("meeting", "register", api.MeetingRegisterApi),
    on("meeting", "check-in", api.MeetingCheckInApi),
    on("meeting", "motions", api.MeetingMotionsApi),
    on("meeting", "minutes", api.MeetingMinutesApi),
    on("meeting", "minutes/approve", api.MeetingMinutesApproveApi),
    on("motion", "vote", api.MotionVoteApi),
    on("motion", "close", api.MotionCloseApi),
]

from django.urls import path

from backend.paths import on

from . import api

urlpatterns = [
    path("teams", api.TeamListApi.as_view(), name="mediation-teams"),
    on("team", "", api.TeamDetailApi),
    on("team", "members", api.TeamMembersApi),
    path("cases", api.CaseListApi.as_view(), name="mediation-cases"),
    on("case", "", api.CaseDetailApi),
    on("case", "accept", api.CaseAcceptApi),
    on("case", "decline", api.CaseDeclineApi),
    on("case", "sessions", api.CaseSessionsApi),
    path(
        "cases/<int:case_id>/sessions/<int:session_id>/record",
        api.SessionRecordApi.as_view(),
        name="mediation-session-record",
    ),
    on("case", "agreement", api.CaseAgreementApi),
    on("case", "fail", api.CaseFailApi),
    on("case", "follow-up", api.CaseFollowUpApi),
    on("case", "escalate", api.CaseEscalateApi),
    path("figures", api.FiguresApi.as_view(), name="mediation-figures"),
]

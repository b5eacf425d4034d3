from django.urls import path

from . import api

urlpatterns = [
    path("teams", api.TeamListApi.as_view(), name="mediation-teams"),
    path("teams/<int:team_id>", api.TeamDetailApi.as_view(), name="mediation-team"),
    path("teams/<int:team_id>/members", api.TeamMembersApi.as_view(), name="mediation-team-members"),
    path("cases", api.CaseListApi.as_view(), name="mediation-cases"),
    path("cases/<int:case_id>", api.CaseDetailApi.as_view(), name="mediation-case"),
    path("cases/<int:case_id>/accept", api.CaseAcceptApi.as_view(), name="mediation-case-accept"),
    path("cases/<int:case_id>/decline", api.CaseDeclineApi.as_view(), name="mediation-case-decline"),
    path("cases/<int:case_id>/sessions", api.CaseSessionsApi.as_view(), name="mediation-case-sessions"),
    path(
        "cases/<int:case_id>/sessions/<int:session_id>/record",
        api.SessionRecordApi.as_view(),
        name="mediation-session-record",
    ),
    path("cases/<int:case_id>/agreement", api.CaseAgreementApi.as_view(), name="mediation-case-agreement"),
    path("cases/<int:case_id>/fail", api.CaseFailApi.as_view(), name="mediation-case-fail"),
    path("cases/<int:case_id>/follow-up", api.CaseFollowUpApi.as_view(), name="mediation-case-follow-up"),
    path("cases/<int:case_id>/escalate", api.CaseEscalateApi.as_view(), name="mediation-case-escalate"),
    path("figures", api.FiguresApi.as_view(), name="mediation-figures"),
]

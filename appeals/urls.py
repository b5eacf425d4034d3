from django.urls import path

from backend.paths import on

from . import api

urlpatterns = [
    path("attachments", api.AttachmentCreateApi.as_view(), name="attachment-create"),
    path("appeals", api.AppealListApi.as_view(), name="appeal-list"),
    on("appeal", "", api.AppealDetailApi),
    on("appeal", "accept", api.AppealAcceptApi),
    on("appeal", "reply", api.AppealReplyApi),
    on("appeal", "resolve", api.AppealResolveApi),
    on("appeal", "escalate", api.AppealEscalateApi),
    on("appeal", "reject", api.AppealRejectApi),
    on("appeal", "reopen", api.AppealReopenApi),
    on("appeal", "rate", api.AppealRateApi),
    on("appeal", "to-mediation", api.AppealToMediationApi),
    path("integrations/hotline/orders", api.HotlineOrderApi.as_view(), name="hotline-orders"),
]

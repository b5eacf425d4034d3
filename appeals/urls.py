from django.urls import path

from . import api

urlpatterns = [
    path("attachments", api.AttachmentCreateApi.as_view(), name="attachment-create"),
    path("appeals", api.AppealListApi.as_view(), name="appeal-list"),
    path("appeals/<int:appeal_id>", api.AppealDetailApi.as_view(), name="appeal-detail"),
    path("appeals/<int:appeal_id>/accept", api.AppealAcceptApi.as_view(), name="appeal-accept"),
    path("appeals/<int:appeal_id>/reply", api.AppealReplyApi.as_view(), name="appeal-reply"),
    path("appeals/<int:appeal_id>/resolve", api.AppealResolveApi.as_view(), name="appeal-resolve"),
    path("appeals/<int:appeal_id>/escalate", api.AppealEscalateApi.as_view(), name="appeal-escalate"),
    path("appeals/<int:appeal_id>/reject", api.AppealRejectApi.as_view(), name="appeal-reject"),
    path("appeals/<int:appeal_id>/reopen", api.AppealReopenApi.as_view(), name="appeal-reopen"),
    path("appeals/<int:appeal_id>/rate", api.AppealRateApi.as_view(), name="appeal-rate"),
    path("appeals/<int:appeal_id>/to-mediation", api.AppealToMediationApi.as_view(), name="appeal-to-mediation"),
    path("integrations/hotline/orders", api.HotlineOrderApi.as_view(), name="hotline-orders"),
]

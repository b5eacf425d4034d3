"""Open311 GeoReport v2, mounted at /open311/v2/ by backend/urls.py."""

from django.urls import path

from . import open311

urlpatterns = [
    path("services.json", open311.ServiceListApi.as_view(), name="open311-services"),
    path("requests.json", open311.RequestListApi.as_view(), name="open311-requests"),
    path("requests/<str:request_id>.json", open311.RequestDetailApi.as_view(), name="open311-request"),
]

"""Open311 GeoReport v2, mounted at /open311/v2/ by backend/urls.py: `<name>.<json|xml>`."""

from django.urls import path, re_path

from . import open311

urlpatterns = [
    path("discovery.<fmt:ext>", open311.DiscoveryApi.as_view(), name="open311-discovery"),
    path("services.<fmt:ext>", open311.ServiceListApi.as_view(), name="open311-services"),
    path("services/<code:service_code>.<fmt:ext>", open311.ServiceDefinitionApi.as_view(), name="open311-service"),
    path("requests.<fmt:ext>", open311.RequestListApi.as_view(), name="open311-requests"),
    path("requests/<code:request_id>.<fmt:ext>", open311.RequestDetailApi.as_view(), name="open311-request"),
    path("media/<int:attachment_id>", open311.MediaApi.as_view(), name="open311-media"),
    # Last: any other path answers the spec's error list, not the project's error body.
    re_path(r"^.*$", open311.UnknownApi.as_view(), name="open311-unknown"),
]

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularSwaggerView

from .console import ConsoleAppView
from .files import SignedFileApi
from .health import HealthApi
from .schema_view import SchemaApi
from .wechat_push import WeChatPushApi

# Routes under their own prefix first: Django tries patterns in order, and every app at "" is
# scanned pattern by pattern before a later prefix is reached (the ballot's route was the 45th
# match attempt). No route of an app at "" starts with these prefixes (tests/backend/test_urls.py).
api_v1 = [
    path("monthly/", include("monthly.urls")),
    path("mediation/", include("mediation.urls")),
    path("", include("residents.urls")),
    path("", include("grids.urls")),
    path("", include("notifications.urls")),
    path("", include("appeals.urls")),
    path("", include("consultations.urls")),
    path("", include("consultations.discussion.urls")),
    path("wechat/push", WeChatPushApi.as_view(), name="wechat-push"),
    path("", include("dashboard.urls")),
    path("", include("resources.urls")),
    path("", include("linkage.urls")),
]

urlpatterns = [
    path("healthz", HealthApi.as_view(), name="healthz"),
    path("api/v1/", include(api_v1)),
    path("open311/v2/", include("appeals.open311_urls")),
    path("api/schema/", SchemaApi.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
    # Photos only by signed URL (backend/files.py): uploads are never served by a plain path.
    path("files/<token:token>", SignedFileApi.as_view(), name="signed-file"),
    re_path(r"^console/(?P<path>.*)$", ConsoleAppView.as_view(), name="console"),
]

handler400 = "backend.errors.handler400"
handler403 = "backend.errors.handler403"
handler404 = "backend.errors.handler404"
handler500 = "backend.errors.handler500"

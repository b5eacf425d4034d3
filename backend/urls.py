from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .health import healthz
from .wechat_push import WeChatPushApi

api_v1 = [
    path("", include("residents.urls")),
    path("", include("grids.urls")),
    path("", include("notifications.urls")),
    path("", include("appeals.urls")),
    path("mediation/", include("mediation.urls")),
    path("monthly/", include("monthly.urls")),
    path("", include("consultations.urls")),
    path("", include("consultations.discussion.urls")),
    path("wechat/push", WeChatPushApi.as_view(), name="wechat-push"),
    path("", include("dashboard.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("open311/v2/", include("appeals.open311_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    # Uploaded photos from local storage, for the embedded default; a deployment serves them
    # from its object store or web server instead.
    def media(request: HttpRequest, path: str) -> HttpResponse:
        return serve(request, path, document_root=settings.MEDIA_ROOT)  # read per request

    urlpatterns += [re_path(r"^media/(?P<path>.*)$", media)]

handler400 = "backend.errors.handler400"
handler403 = "backend.errors.handler403"
handler404 = "backend.errors.handler404"
handler500 = "backend.errors.handler500"

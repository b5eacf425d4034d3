"""The real URLs plus `GET /bench/bare`: an authenticated DRF view that does nothing, i.e. the
same middleware, JWT authentication (one user query), throttling and JSON rendering as every
API call, and no work of its own. The ballot's rate is compared with it."""

from django.urls import include, path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class BareApi(APIView):
    def get(self, request: Request) -> Response:
        return Response({"ok": True, "user": request.user.pk})


urlpatterns = [
    path("bench/bare", BareApi.as_view()),
    path("", include("backend.urls")),
]

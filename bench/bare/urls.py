"""`GET /bench/bare` (the constant answer) and `GET /healthz` (the harness waits for it)."""

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class BareApi(APIView):
    def get(self, request: Request) -> Response:
        return Response({"ok": True})

    def post(self, request: Request) -> Response:
        return Response({"ok": True})


class BareHealthApi(APIView):
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


urlpatterns = [
    path("bench/bare", BareApi.as_view()),
    path("healthz", BareHealthApi.as_view()),
]

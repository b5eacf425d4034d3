"""`GET|POST /bench/bare`: the constant answer; `GET /healthz` for the server start-up wait."""

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class ConsultationsBareApi(APIView):
    def get(self, request: Request) -> Response:
        return Response({"ok": True})

    def post(self, request: Request) -> Response:
        return Response({"ok": True})


class ConsultationsBareHealthApi(APIView):
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


urlpatterns = [
    path("bench/bare", ConsultationsBareApi.as_view()),
    path("healthz", ConsultationsBareHealthApi.as_view()),
]

"""WeChat's message push (消息推送) to us: `/api/v1/wechat/push`, in plaintext JSON mode.

WeChat signs every request with `signature` = sha1 of the sorted concatenation of our token
(settings.WECHAT_PUSH_TOKEN), `timestamp` and `nonce`, all in the query string:

- GET  ?signature&timestamp&nonce&echostr: the configuration check; answer `echostr` as is.
- POST ?signature&timestamp&nonce with a JSON event. We act on `Event: "wxa_media_check"`
  (mediaCheckAsync's verdict: `trace_id`, `result: {"suggest","label"}`) and hand it to the
  handlers apps registered with backend.content_check.on_media_result; every other event is
  acknowledged and ignored. WeChat retries a push that is not answered: handling is idempotent.

A request whose signature does not verify (or with no token configured) is refused 403
`bad_signature` and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from . import content_check
from .errors import InvalidInput, PermissionDenied
from .messages import Msg

log = logging.getLogger(__name__)

MEDIA_CHECK_EVENT = "wxa_media_check"


def push_signature(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def verify(query: Any) -> None:
    token = settings.WECHAT_PUSH_TOKEN
    signature = str(query.get("signature", ""))
    expected = push_signature(token, str(query.get("timestamp", "")), str(query.get("nonce", ""))) if token else ""
    if not token or not hmac.compare_digest(expected, signature):
        raise PermissionDenied(Msg("消息推送签名无效。", "The push signature does not verify."), code="bad_signature")


SIGNED = [
    OpenApiParameter("signature", str, required=True),
    OpenApiParameter("timestamp", str, required=True),
    OpenApiParameter("nonce", str, required=True),
]


class WeChatPushApi(APIView):
    """The endpoint configured as the mini-program's message push URL."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    schema_errors = (400, 403)  # a malformed push; a bad signature (backend/schema.py)

    @extend_schema(
        operation_id="wechat_push_verify",
        parameters=[*SIGNED, OpenApiParameter("echostr", str, required=True)],
        responses={(200, "text/plain"): OpenApiTypes.STR},
        tags=["wechat"],
    )
    def get(self, request: Request) -> HttpResponse:
        verify(request.query_params)
        return HttpResponse(request.query_params.get("echostr", ""), content_type="text/plain")

    @extend_schema(
        operation_id="wechat_push_event",
        parameters=SIGNED,
        request=OpenApiTypes.OBJECT,
        responses={(200, "text/plain"): OpenApiTypes.STR},
        tags=["wechat"],
    )
    def post(self, request: Request) -> HttpResponse:
        verify(request.query_params)
        event = request.data if isinstance(request.data, dict) else {}
        if event.get("Event") == MEDIA_CHECK_EVENT:
            trace_id = str(event.get("trace_id") or "")
            result = event.get("result") if isinstance(event.get("result"), dict) else {}
            suggest = result.get("suggest")
            if not trace_id or suggest not in {"pass", "review", "risky"}:
                raise InvalidInput(
                    Msg("图片审核结果不完整。", "The media check result is incomplete."), code="bad_push"
                )
            updated = content_check.dispatch_media_result(
                trace_id=trace_id, suggest=suggest, label=int(result.get("label") or 0)
            )
            log.info("media check %s: %s (%d photos)", trace_id, suggest, updated)
        return HttpResponse("success", content_type="text/plain")

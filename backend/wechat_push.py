"""WeChat's message push (消息推送) to us: `/api/v1/wechat/push`, in plaintext JSON mode.

WeChat signs every request with `signature` = sha1 of the sorted concatenation of our token
(settings.WECHAT_PUSH_TOKEN), `timestamp` and `nonce`, all in the query string:

- GET  ?signature&timestamp&nonce&echostr: the configuration check; answer `echostr` as is.
- POST ?signature&timestamp&nonce with a JSON event. We act on `Event: "wxa_media_check"`
  (mediaCheckAsync's verdict: `trace_id`, `result: {"suggest","label"}`) and hand it to the
  handlers apps registered with backend.content_check.on_media_result; every other event is
  acknowledged and ignored. WeChat retries a push that is not answered: handling is idempotent.

A request whose signature does not verify (or with no token configured) is refused 403
`bad_signature` and changes nothing. A signed event is also refused, before its body is read,
when its `timestamp` is more than settings.WECHAT_PUSH_MAX_AGE_SECONDS away from now (403
`push_expired`) or its `nonce` was seen within that time (403 `push_replayed`): a captured push
cannot be sent again. An event whose handling fails forgets its nonce, so WeChat's retry of it
is handled; a malformed media-check event is 400 `bad_push`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ParseError
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


def _nonce_key(timestamp: int, nonce: str) -> str:
    # With its timestamp: a replay repeats both (the signature covers both).
    return f"wechat-push:nonce:{timestamp}:{hashlib.sha1(nonce.encode()).hexdigest()}"


def claim_fresh(query: Any) -> str:
    """Refuse a signed push that is stale or replayed; remember its nonce. Returns the key to
    forget if handling fails."""
    max_age = settings.WECHAT_PUSH_MAX_AGE_SECONDS
    try:
        sent = int(str(query.get("timestamp", "")))
    except ValueError:
        sent = None
    if sent is None or abs(time.time() - sent) > max_age:
        raise PermissionDenied(Msg("消息推送已过期。", "The push is too old."), code="push_expired")
    key = _nonce_key(sent, str(query.get("nonce", "")))
    # Remembered twice the window: a nonce is refused for as long as its timestamp is accepted.
    if not cache.add(key, 1, timeout=2 * max_age):
        raise PermissionDenied(Msg("消息推送重复。", "The push was already received."), code="push_replayed")
    return key


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
        nonce_key = claim_fresh(request.query_params)
        try:
            return self._handle(request)
        except Exception:
            cache.delete(nonce_key)  # not handled: WeChat's retry of it must be
            raise

    def _handle(self, request: Request) -> HttpResponse:
        try:
            event = request.data
        except ParseError as exc:
            raise _bad_push() from exc
        if not isinstance(event, dict):
            raise _bad_push()
        if event.get("Event") == MEDIA_CHECK_EVENT:
            trace_id, suggest, label = _media_verdict(event)
            updated = content_check.dispatch_media_result(trace_id=trace_id, suggest=suggest, label=label)
            log.info("media check %s: %s (%d photos)", trace_id, suggest, updated)
        return HttpResponse("success", content_type="text/plain")


def _bad_push() -> InvalidInput:
    return InvalidInput(Msg("图片审核结果不完整。", "The media check result is malformed."), code="bad_push")


def _media_verdict(event: dict[str, Any]) -> tuple[str, str, int]:
    """(trace_id, suggest, label) of a wxa_media_check event, or 400 `bad_push`."""
    trace_id = event.get("trace_id")
    result = event.get("result")
    if not isinstance(trace_id, str) or not 0 < len(trace_id) <= 64 or not isinstance(result, dict):
        raise _bad_push()
    suggest = result.get("suggest")
    if suggest not in {"pass", "review", "risky"}:
        raise _bad_push()
    try:
        label = int(result.get("label") or 0)
    except (TypeError, ValueError) as exc:
        raise _bad_push() from exc
    return trace_id, suggest, label

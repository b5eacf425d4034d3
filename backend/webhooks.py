"""The base of every inbound webhook from an outside system (12345, 智慧信访, 智慧矛盾系统):
authenticated by the HMAC signature of the raw body alone, not throttled (one signed peer),
parsed only after the signature holds."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from .errors import InvalidInput
from .messages import Msg
from .outbox import SIGNATURE_HEADER, verify_signature


class SignedWebhookApi(APIView):
    permission_classes: ClassVar[list] = [AllowAny]
    authentication_classes: ClassVar[list] = []
    throttle_classes: ClassVar[list] = []
    signature_header: ClassVar[str] = SIGNATURE_HEADER
    schema_errors: ClassVar[tuple[int, ...]] = (401,)  # a bad signature (backend/schema.py)

    def secret(self) -> str:
        raise NotImplementedError

    def signed_payload(self, request: Request) -> dict[str, Any]:
        body = request.body  # the raw bytes the signature covers, read before any parsing
        verify_signature(self.secret(), body, request.headers.get(self.signature_header))
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise InvalidInput(Msg("请求体不是 JSON。", "The body is not JSON."), code="malformed_request") from exc
        return payload if isinstance(payload, dict) else {}

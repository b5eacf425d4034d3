"""Domain errors and the one place that turns every error into API.md's body:

    {"error": {"code": "snake_case", "message": "...", "fields": {"name": ["..."]}}}

Services raise the domain errors below; views never build error responses themselves.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.db import OperationalError as DatabaseOperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from .messages import REQUIRED, Msg

log = logging.getLogger(__name__)


class DomainError(Exception):
    """An expected refusal. Subclasses fix the status; `code` may be overridden per raise."""

    status = 400
    code = "invalid"
    default_message = Msg("请求无效。", "The request is invalid.")

    def __init__(
        self,
        message: Msg | str | None = None,
        *,
        code: str | None = None,
        fields: dict[str, list[Msg | str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.fields = fields or {}
        self.headers = headers or {}
        super().__init__(str(self.message))


class InvalidInput(DomainError):
    status = 400


def require_reason(reason: str | None, message: Any) -> str:
    """The stripped reason a moderator or reviewer must give (hiding, refusing), else 400
    `reason_required` with `message`."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(message, code="reason_required", fields={"reason": [REQUIRED]})
    return reason


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = Msg("请先登录。", "Authentication is required.")


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    default_message = Msg("您无权执行此操作。", "You may not do this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = Msg("未找到。", "Not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = Msg("与当前状态冲突。", "This conflicts with the current state.")


class IllegalTransition(Conflict):
    code = "illegal_transition"
    default_message = Msg("当前状态下不能执行此操作。", "This action is not allowed in the current state.")


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
    default_message = Msg("上传内容过大。", "The request body is too large.")


class Throttled(DomainError):
    status = 429
    code = "throttled"
    default_message = Msg("请求过于频繁，请稍后再试。", "Too many requests; try again later.")


class UpstreamUnavailable(DomainError):
    """An outside system (WeChat, 12345) did not answer or answered nonsense."""

    status = 503
    code = "upstream_unavailable"
    default_message = Msg("外部服务暂时不可用，请稍后再试。", "An outside service is unavailable; try again later.")


class ServiceUnavailable(DomainError):
    """Our own infrastructure (database, Redis, broker) is down or saturated: retry shortly."""

    status = 503
    code = "service_unavailable"
    default_message = Msg("服务暂时不可用，请稍后再试。", "The service is temporarily unavailable; try again shortly.")


def _infrastructure_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "a backing service is unreachable", not "this request is wrong".

    Django wraps psycopg's OperationalError (a refused connection, a pool timeout: psycopg_pool's
    PoolTimeout is one) and SQLite's "database is locked" in its own OperationalError."""
    import redis.exceptions
    from kombu.exceptions import OperationalError as BrokerOperationalError

    return (
        DatabaseOperationalError,
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        BrokerOperationalError,
        ConnectionError,  # the builtin: a socket refused or reset underneath any client
        TimeoutError,
    )


INFRASTRUCTURE_ERRORS = _infrastructure_errors()


def is_infrastructure_error(exc: BaseException | None) -> bool:
    return isinstance(exc, INFRASTRUCTURE_ERRORS)


def service_unavailable_body() -> dict[str, Any]:
    return error_body(ServiceUnavailable.code, ServiceUnavailable.default_message)


def retry_after_header() -> dict[str, str]:
    from django.conf import settings

    return {"Retry-After": str(getattr(settings, "SERVICE_UNAVAILABLE_RETRY_AFTER", 5))}


def infrastructure_response(exc: BaseException) -> JsonResponse:
    """The one answer to an infrastructure failure anywhere in a request: 503 with Retry-After."""
    log.warning("infrastructure unavailable: %s: %s", type(exc).__name__, exc)
    return JsonResponse(service_unavailable_body(), status=503, headers=retry_after_header())


def error_body(code: str, message: Any, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """Messages (a `Msg` too, in `fields`) become text here, in the request's language."""
    texts = {name: [str(m) for m in messages] for name, messages in (fields or {}).items()}
    return {"error": {"code": code, "message": str(message), "fields": texts}}


def _fields_from_detail(detail: Any) -> tuple[str, dict[str, list[str]]]:
    """Flatten DRF's nested error detail into `fields` and pick a headline message."""
    if isinstance(detail, dict):
        fields: dict[str, list[str]] = {}
        for name, value in detail.items():
            if isinstance(value, (list, tuple)):
                fields[name] = [str(v) if not isinstance(v, (dict, list)) else _flat(v) for v in value]
            elif isinstance(value, dict):
                fields[name] = [_flat(value)]
            else:
                fields[name] = [str(value)]
        first = next(iter(fields.values()), [""])
        return (first[0] if first else ""), fields
    if isinstance(detail, (list, tuple)):
        return (str(detail[0]) if detail else ""), {}
    return str(detail), {}


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "; ".join(_flat(v) for v in value)
    return str(value)


_DRF_CODES: list[tuple[type[Exception], str, Msg]] = [
    (
        drf.ParseError,
        "malformed_request",
        Msg("请求体无法解析（JSON 格式错误）。", "The request body could not be parsed."),
    ),
    (drf.NotAuthenticated, "not_authenticated", NotAuthenticated.default_message),
    (InvalidToken, "token_not_valid", Msg("令牌无效或已过期。", "The token is invalid or expired.")),
    (drf.AuthenticationFailed, "authentication_failed", Msg("身份验证失败。", "Authentication failed.")),
    (drf.PermissionDenied, "permission_denied", PermissionDenied.default_message),
    (drf.NotFound, "not_found", NotFound.default_message),
    (drf.MethodNotAllowed, "method_not_allowed", Msg("不支持该请求方法。", "This method is not allowed here.")),
    (drf.NotAcceptable, "not_acceptable", Msg("无法提供所请求的格式。", "The requested format is not available.")),
    (drf.UnsupportedMediaType, "unsupported_media_type", Msg("不支持的内容类型。", "Unsupported content type.")),
    (drf.Throttled, "throttled", Throttled.default_message),
]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every API error leaves here in API.md's shape."""
    if isinstance(exc, DomainError):
        headers = {**retry_after_header(), **exc.headers} if exc.status == 503 else exc.headers
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status, headers=headers)
    if is_infrastructure_error(exc):
        log.warning("infrastructure unavailable: %s: %s", type(exc).__name__, exc)
        return Response(service_unavailable_body(), status=503, headers=retry_after_header())
    if isinstance(exc, DataError):
        # Input PostgreSQL refuses to store or compare (a NUL byte, an out-of-range number)
        # that no serializer caught: the client's mistake, not ours.
        log.warning("data refused by the database: %s", exc)
        return Response(error_body("invalid", Msg("输入无效。", "Invalid input.")), status=400)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body(PayloadTooLarge.code, PayloadTooLarge.default_message), status=413)
    if isinstance(exc, DjangoValidationError):
        exc = drf.ValidationError(getattr(exc, "message_dict", None) or exc.messages)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    if isinstance(exc, TokenError):
        exc = InvalidToken()
    if isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's handler500 answers with the error body
    if isinstance(exc, drf.ValidationError):
        message, fields = _fields_from_detail(exc.detail)
        code = _validation_code(exc)
        response.data = error_body(code, message or Msg("输入无效。", "Invalid input."), fields)
        return response
    for klass, code, msg in _DRF_CODES:
        if isinstance(exc, klass):
            response.data = error_body(code, msg)
            return response
    response.data = error_body(getattr(exc, "default_code", "error"), getattr(exc, "detail", exc))
    return response


def _validation_code(exc: drf.ValidationError) -> str:
    """A serializer may name the error (`ValidationError(..., code="content_rejected")`) when
    the whole body has one reason; otherwise it is plain `invalid`."""
    codes = exc.get_codes()
    if isinstance(codes, dict) and set(codes) == {"non_field_errors"}:
        codes = codes["non_field_errors"]
    if isinstance(codes, list) and len(codes) == 1 and isinstance(codes[0], str) and codes[0] not in {"invalid"}:
        return codes[0] if codes[0] not in {"required", "null", "blank"} else "invalid"
    return "invalid"


# Django-level handlers: URLs that no view serves, and crashes, still answer in JSON.
def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body(NotFound.code, NotFound.default_message), status=404)


def handler500(request: HttpRequest) -> HttpResponse:
    """Django calls this inside its `except` for anything a view or middleware let escape (the
    session or cache middleware on a dead Redis, a pool timeout outside DRF): infrastructure
    failures still become 503 here, so there is one mapping for both paths."""
    import sys

    exc = sys.exc_info()[1]
    if is_infrastructure_error(exc):
        return infrastructure_response(exc)
    return JsonResponse(
        error_body("server_error", Msg("服务器内部错误，请稍后再试。", "Internal server error.")), status=500
    )


def handler400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("bad_request", Msg("请求无效。", "Bad request.")), status=400)


def handler403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body(PermissionDenied.code, PermissionDenied.default_message), status=403)

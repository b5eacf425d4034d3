"""Request-level guards that must answer before any view reads the body, and the response
headers every answer carries."""

from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import NotFound, PayloadTooLarge, error_body, infrastructure_response, is_infrastructure_error
from .messages import Msg

# Multipart framing around one file (boundaries, headers, other small fields).
_MULTIPART_SLACK = 64 * 1024


class BodySizeLimitMiddleware:
    """Refuse an oversized body with 413 from its Content-Length, before it is read.

    Django enforces DATA_UPLOAD_MAX_MEMORY_SIZE only when `request.body` is touched, and DRF's
    JSON parser reads the stream instead, so without this a huge JSON body would be parsed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        is_multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = settings.UPLOAD_MAX_BYTES + _MULTIPART_SLACK if is_multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            return JsonResponse(error_body(PayloadTooLarge.code, PayloadTooLarge.default_message), status=413)
        return self.get_response(request)


class HostileInputMiddleware:
    """NUL bytes in the path or query string: no resource is named that way, and PostgreSQL
    refuses them in text (a DataError deep in a query). Refused here once, for every route,
    instead of in each path converter and filter."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            return JsonResponse(error_body(NotFound.code, NotFound.default_message), status=404)
        if "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return JsonResponse(
                error_body("malformed_request", Msg("查询参数含有非法字符。", "The query string holds a NUL byte.")),
                status=400,
            )
        return self.get_response(request)


class InfrastructureErrorMiddleware:
    """A view outside DRF (admin, health, media) that meets a dead Redis or database answers
    503 with Retry-After like the API does (DRF views get the same from errors.exception_handler;
    errors raised by other middleware reach errors.handler500, which maps them the same way)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return infrastructure_response(exception) if is_infrastructure_error(exception) else None


class ResponseHeadersMiddleware:
    """- `Cache-Control: no-store` on every API answer the view did not mark itself: they are
      personal (a profile, tokens, an appeal with its photos), and a shared cache or the
      mini-program's WebView must not keep them.
    - A `Server` header of our own: granian writes `Server: granian` unless the app sets one,
      which tells an attacker the server and its version line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith(("/api/v1/", "/open311/")) and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        response["Server"] = settings.SERVER_HEADER
        return response


# --- the browser's middleware, skipped by token API calls ------------------------------------
#
# The API authenticates by its Bearer token alone (REST_FRAMEWORK's authentication classes), so
# an API call with a token and no session cookie never reads a session, a message or Django's
# request.user (DRF sets that itself). Loading the session store, the message storage and the
# lazy user for it was ~5 % of a ballot's instructions (bench/README.md). Anything else (the
# admin, the console's pages, a call that carries the session cookie) runs them as before; CSRF
# is untouched (its process_view guards the admin's forms, and DRF's views are exempt anyway).


def is_token_api_call(request: HttpRequest) -> bool:
    return (
        request.path_info.startswith("/api/")
        and request.META.get("HTTP_AUTHORIZATION", "").startswith("Bearer ")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


class SessionMiddleware(sessions_middleware.SessionMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if not is_token_api_call(request):
            super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return super().process_response(request, response) if hasattr(request, "session") else response


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if hasattr(request, "session"):
            super().process_request(request)


class MessageMiddleware(messages_middleware.MessageMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if hasattr(request, "session"):
            super().process_request(request)

"""Request-level guards that must answer before any view reads the body."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import PayloadTooLarge, error_body

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

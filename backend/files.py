"""Stored files (photos) handed out by permission, never by a guessable public path.

`file_url(file, request=..., max_age=...)` is a URL that works for `max_age` seconds:
- a storage that signs URLs itself (S3-compatible backends: `url(name, expire=seconds)`)
  answers with its own signed URL, so the object store serves the bytes;
- any other storage (local files in the embedded default) gets a URL to `SignedFileApi` here,
  carrying the file's name signed with SECRET_KEY and the time it was signed.
Whoever builds the URL has already checked that the caller may see the file; the URL is the
permission, for a short while. `serve(file)` answers a request for a file already allowed
(public photos): a redirect to a fresh signed URL, or the bytes.
"""

from __future__ import annotations

import inspect
import mimetypes
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.storage import Storage, default_storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from .errors import NotFound

_SALT = "backend.files"


def _signs_urls(storage: Storage) -> bool:
    try:
        return "expire" in inspect.signature(storage.url).parameters
    except (TypeError, ValueError):
        return False


def file_url(file: FieldFile, *, request: Any = None) -> str:
    """A URL to `file` that works for settings.MEDIA_URL_MAX_AGE seconds."""
    max_age = settings.MEDIA_URL_MAX_AGE
    if _signs_urls(file.storage):
        return file.storage.url(file.name, expire=max_age)
    token = signing.dumps(file.name, salt=_SALT, compress=True)
    path = reverse("signed-file", kwargs={"token": token})
    return request.build_absolute_uri(path) if request is not None else path


def public_file_url(file: FieldFile, *, request: Any = None) -> str:
    """`file_url` as an absolute URL under settings.PUBLIC_BASE_URL (the https origin outsiders
    such as WeChat's media check reach us at), else the request's own origin."""
    url = file_url(file)
    if url.startswith(("http://", "https://")):
        return url
    if settings.PUBLIC_BASE_URL:
        return f"{settings.PUBLIC_BASE_URL}{url}"
    return request.build_absolute_uri(url) if request is not None else url


def serve(file: FieldFile, *, request: Any = None, content_type: str | None = None) -> HttpResponse:
    """The bytes of a file the caller may see (or a redirect to the store's signed URL)."""
    if _signs_urls(file.storage):
        return HttpResponseRedirect(file_url(file, request=request))
    return _bytes(file.storage, file.name, content_type)


def _bytes(storage: Storage, name: str, content_type: str | None = None) -> FileResponse:
    try:
        handle = storage.open(name, "rb")
    except OSError as exc:
        raise NotFound() from exc
    kind = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(handle, content_type=kind)


class SignedFileApi(APIView):
    """The bytes behind a URL `file_url` signed, while it is fresh; anything else is 404."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=["files"],
        operation_id="files_signed_retrieve",
        responses={(200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="the photo")},
        description="A photo by a short-lived signed URL (given in the answers that may show it).",
    )
    def get(self, request: Request, token: str) -> HttpResponse:
        try:
            name = signing.loads(token, salt=_SALT, max_age=settings.MEDIA_URL_MAX_AGE)
        except (signing.BadSignature, ValueError) as exc:  # forged, altered or expired
            raise NotFound() from exc
        if not isinstance(name, str):
            raise NotFound()
        response = _bytes(default_storage, name)
        response["Cache-Control"] = f"private, max-age={settings.MEDIA_URL_MAX_AGE}"
        return response

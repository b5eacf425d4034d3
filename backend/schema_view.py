"""GET /api/schema/ (a module of its own: backend.schema is loaded by DRF's settings, before
the views it would import)."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request


class SchemaApi(SpectacularAPIView):
    """/api/schema/ with a plain ASCII file name: the title is Chinese, and a non-ASCII header
    value would go out as a MIME encoded-word, which no client reads as a file name."""

    def _get_filename(self, request: Request, version: str | None) -> str:
        suffix = "json" if "json" in (request.accepted_renderer.format or "") else "yaml"
        return f"yuandian-openapi{'-' + version if version else ''}.{suffix}"

"""Content negotiation of every API view: DRF's, with a short path for what nearly every client
sends (no Accept header, `*/*` or `application/json`, no `?format=`): the first renderer, as
DRF's own negotiation would pick it. DRF parses the header into media types and builds
`request.headers` first, a few percent of a ballot's CPU; anything else goes the full way, so
406 and format overrides answer exactly as before (tests/backend/test_negotiation.py)."""

from __future__ import annotations

from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation

_PLAIN_ACCEPT = frozenset({"*/*", "application/json"})


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request: Any, renderers: list, format_suffix: str | None = None) -> tuple:
        if (
            not format_suffix
            and renderers
            and renderers[0].media_type == "application/json"
            and request.META.get("HTTP_ACCEPT", "*/*") in _PLAIN_ACCEPT
            and (self.settings.URL_FORMAT_OVERRIDE or "") not in request.query_params
        ):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)

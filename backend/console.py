"""The staff console (console/, a Vue app built by Vite) served by Django at /console/.

WhiteNoise serves the built files from console/dist (WHITENOISE_ROOT): the hashed assets under
/console/assets/ with a year's cache. Every other path under /console/ is a route of the app
(deep links included) and gets its index.html, never cached, so a new build shows at once.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views import View

# The default build folder; settings.CONSOLE_DIST may point elsewhere. No settings import at
# module level: the settings import the two WhiteNoise hooks below.
CONSOLE_DIST = Path(__file__).resolve().parent.parent / "console" / "dist"
# Vite names built files `<name>-<8+ char hash>.<ext>` under assets/.
_HASHED = re.compile(r"^/console/assets/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+(\.gz)?$")


def console_immutable_file_test(path: str, url: str) -> bool:
    """WhiteNoise: the console's hashed assets never change (a new build has new names)."""
    return bool(_HASHED.match(url))


def console_add_headers(headers: object, path: str, url: str) -> None:
    """WhiteNoise: the app's index.html (also reachable as a file) is never cached."""
    if url.endswith(".html"):
        headers["Cache-Control"] = "no-cache"  # type: ignore[index]


class ConsoleAppView(View):
    """index.html of the console for /console/ and its client-side routes."""

    def get(self, request: HttpRequest, path: str = "") -> HttpResponse:
        if path.startswith("assets/"):
            raise Http404  # a missing asset is not a route of the app
        try:
            html = (Path(settings.CONSOLE_DIST) / "console" / "index.html").read_bytes()
        except FileNotFoundError:
            return HttpResponse(
                "The console is not built: run `npm ci && npm run build` in console/ (bin/demo does it).",
                status=503,
                content_type="text/plain; charset=utf-8",
                headers={"Retry-After": "60", "Cache-Control": "no-cache"},
            )
        return HttpResponse(html, content_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})

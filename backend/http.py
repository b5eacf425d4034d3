"""One HTTP client setup for every outside system: explicit timeouts, no redirects, and a
transport failure turned into a single exception type the callers handle."""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings


class OutboundError(Exception):
    """The outside system could not be reached, timed out, or answered non-JSON / 5xx."""


def timeout() -> httpx.Timeout:
    return httpx.Timeout(settings.OUTBOUND_READ_TIMEOUT, connect=settings.OUTBOUND_CONNECT_TIMEOUT)


def request_json(method: str, url: str, *, client: httpx.Client | None = None, **kwargs: Any) -> dict[str, Any]:
    """Send a request and return the decoded JSON object; raise OutboundError otherwise.

    `client`: a long-lived pooled client for callers that send many requests (robot webhooks);
    by default a client per call."""
    try:
        if client is not None:
            response = client.request(method, url, **kwargs)
        else:
            with httpx.Client(timeout=timeout(), follow_redirects=False) as own:
                response = own.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise OutboundError(f"{type(exc).__name__}: {exc}") from exc
    return _decoded(response)


async def request_json_async(method: str, url: str, *, client: httpx.AsyncClient, **kwargs: Any) -> dict[str, Any]:
    """`request_json` on asynchronous I/O (many robot webhooks at once from one thread)."""
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise OutboundError(f"{type(exc).__name__}: {exc}") from exc
    return _decoded(response)


def _decoded(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 500:
        raise OutboundError(f"HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        raise OutboundError(f"HTTP {response.status_code}: not JSON") from exc
    if not isinstance(data, dict):
        raise OutboundError(f"HTTP {response.status_code}: not a JSON object")
    data.setdefault("_http_status", response.status_code)
    return data

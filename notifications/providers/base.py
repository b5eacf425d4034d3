"""The one small interface every outside channel implements, and what they share.

A provider gets an `Outbound` (what to say, to whom) and either returns (the target took it)
or raises `SendError`: `permanent=True` for errors that no retry can fix (a bad webhook key,
a user who did not subscribe), `rate_limited=True` when the target says we are too fast.
"""

from __future__ import annotations

import os
import ssl
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import httpx

from backend.http import OutboundError, request_json, request_json_async, timeout


@dataclass(frozen=True)
class Outbound:
    title: str
    body: str
    # Robots: the webhook (its key is a credential) and the signing secret, if any.
    webhook_url: str = ""
    secret: str = ""
    # Robots: phone numbers to @, or everyone.
    mentions: tuple[str, ...] = ()
    mention_all: bool = False
    # Subscribe messages: the recipient and WeChat's template payload.
    openid: str = ""
    subscribe: dict[str, Any] = field(default_factory=dict)


class SendError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, rate_limited: bool = False, code: Any = None):
        super().__init__(message)
        self.permanent = permanent
        self.rate_limited = rate_limited
        self.code = code


class Provider(ABC):
    key: str

    @abstractmethod
    def send(self, outbound: Outbound) -> None:
        """Deliver or raise SendError."""


_client_lock = threading.Lock()
_client: tuple[int, httpx.Client] | None = None


def client() -> httpx.Client:
    """One pooled HTTP client per process for robot webhooks (a new client per message would
    build a TLS context each time). Rebuilt after a fork."""
    global _client
    with _client_lock:
        if _client is None or _client[0] != os.getpid():
            _client = (
                os.getpid(),
                httpx.Client(
                    timeout=timeout(),
                    follow_redirects=False,
                    limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
                ),
            )
        return _client[1]


_ssl_context: ssl.SSLContext | None = None


def async_client(max_connections: int) -> httpx.AsyncClient:
    """An asynchronous client for one batch of robot webhooks (one event loop each). The TLS
    context, the costly part, is built once per process."""
    global _ssl_context
    with _client_lock:
        if _ssl_context is None:
            _ssl_context = ssl.create_default_context()
    return httpx.AsyncClient(
        timeout=timeout(),
        follow_redirects=False,
        verify=_ssl_context,
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
    )


def cut_bytes(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, cut at a character boundary (robots count bytes)."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


class RobotProvider(Provider):
    """A group-chat robot: POST JSON to the webhook, read an error code from the answer."""

    # Codes after which sending again cannot help, and codes that mean "too fast".
    permanent_codes: frozenset[int] = frozenset()
    rate_limit_codes: frozenset[int] = frozenset()

    @abstractmethod
    def build(self, outbound: Outbound) -> tuple[dict[str, str], dict[str, Any]]:
        """(extra query parameters, JSON body) for this message."""

    @abstractmethod
    def error_code(self, answer: dict[str, Any]) -> tuple[int, str]:
        """(code, message) of the answer; code 0 is success."""

    def _request(self, outbound: Outbound) -> tuple[str, dict[str, Any]]:
        params, body = self.build(outbound)
        # Added to the webhook's own query (its key / access_token), not replacing it.
        url = httpx.URL(outbound.webhook_url).copy_merge_params(params) if params else outbound.webhook_url
        return str(url), body

    def send(self, outbound: Outbound) -> None:
        url, body = self._request(outbound)
        try:
            answer = request_json("POST", url, json=body, client=client(), timeout=timeout())
        except OutboundError as exc:
            raise SendError(str(exc)) from exc
        self.check(answer)

    async def send_async(self, outbound: Outbound, http: httpx.AsyncClient) -> None:
        """`send` on asynchronous I/O, through the batch's client."""
        url, body = self._request(outbound)
        try:
            answer = await request_json_async("POST", url, json=body, client=http)
        except OutboundError as exc:
            raise SendError(str(exc)) from exc
        self.check(answer)

    def check(self, answer: dict[str, Any]) -> None:
        code, text = self.error_code(answer)
        if code == 0:
            return
        raise SendError(
            f"{self.key} errcode {code}: {text}"[:300],
            code=code,
            permanent=code in self.permanent_codes,
            rate_limited=code in self.rate_limit_codes,
        )

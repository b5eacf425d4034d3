"""Local fakes of the two linked systems, following API.md "Linked systems":

FakePetition (智慧信访):
- POST /cases  {"case_id", ...}  X-Signature (hex HMAC-SHA256 of the body) -> 200 {"code": 0}
- `send_status(server_url, case_id, status, ...)` posts the signed status webhook to our server.

FakeConflict (智慧矛盾系统):
- POST /cases/{case_id}/events  {"event_id", ...}  signed -> 200 {"code": 0}
- `dispatch(server_url, body)` posts a signed case dispatch to our server.

Both: a bad signature answers 401; behaviour["down"] = True answers 503 to everything;
behaviour["fail"] = N answers 503 to the next N calls. A message delivered twice (same
X-Message-Id) is recorded once, as a receiver deduplicating at-least-once delivery would.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

import httpx

from .base import FakeRequest, FakeServer


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _Linked(FakeServer):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self.landed: list[tuple[str, dict]] = []
        self.message_ids: set[str] = set()
        self.duplicates = 0

    def take(self, request: FakeRequest, key: str) -> tuple:
        if (refused := self.outage()) is not None:
            return refused
        if not hmac.compare_digest(sign(self.secret, request.body), request.headers.get("x-signature", "")):
            return 401, {"code": 401, "message": "bad signature"}
        message_id = request.headers.get("x-message-id", "")
        with self.lock:
            if message_id and message_id in self.message_ids:
                self.duplicates += 1
            else:
                self.message_ids.add(message_id)
                self.landed.append((key, request.json()))
        return 200, {"code": 0, "message": "ok"}

    def received(self, key: str | None = None) -> list[dict]:
        with self.lock:
            return [body for k, body in self.landed if key is None or k == key]

    def post_signed(
        self, url: str, body: dict[str, Any], *, secret: str | None = None, **headers: str
    ) -> httpx.Response:
        raw = json.dumps(body, ensure_ascii=False).encode()
        signature = sign(self.secret if secret is None else secret, raw)
        return httpx.post(
            url, content=raw, headers={"Content-Type": "application/json", "X-Signature": signature, **headers}
        )


class FakePetition(_Linked):
    def match(self, request: FakeRequest):  # type: ignore[override]
        if request.method == "POST" and request.path == "/cases":
            return lambda fake, req: fake.take(req, req.json().get("case_id", ""))
        return super().match(request)


EVENTS = re.compile(r"^/cases/(?P<case_id>[^/]+)/events$")


class FakeConflict(_Linked):
    def match(self, request: FakeRequest):  # type: ignore[override]
        found = EVENTS.match(request.path)
        if request.method == "POST" and found:
            return lambda fake, req: fake.take(req, found["case_id"])
        return super().match(request)

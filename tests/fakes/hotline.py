"""A local fake of the 12345 hotline platform's status endpoint, following its contract:

- POST /orders/{order_id}/status  {"status","note","at"}  header X-Hotline-Signature (hex
  HMAC-SHA256 of the body with the shared secret)  -> 200 {"code": 0, "message": "ok"}
  a bad signature -> 401 {"code": 401, "message": "bad signature"}

behaviour["fail"] = N answers 503 to the next N status posts (then lands them);
behaviour["down"] = True answers 503 to everything. `received(order_id)` lists the bodies that
landed for an order, in arrival order.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from .base import FakeRequest, FakeServer

STATUS_PATH = re.compile(r"^/orders/(?P<order_id>[^/]+)/status$")


class FakeHotline(FakeServer):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self.landed: list[tuple[str, dict]] = []

    def match(self, request: FakeRequest):  # type: ignore[override]
        found = STATUS_PATH.match(request.path)
        if request.method == "POST" and found:
            return lambda fake, req: fake.status(req, found["order_id"])
        return super().match(request)

    def status(self, request: FakeRequest, order_id: str) -> tuple:
        if (refused := self.outage()) is not None:
            return refused
        expected = hmac.new(self.secret.encode(), request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("x-hotline-signature", "")):
            return 401, {"code": 401, "message": "bad signature"}
        with self.lock:
            self.landed.append((order_id, request.json()))
        return 200, {"code": 0, "message": "ok"}

    def received(self, order_id: str) -> list[dict]:
        with self.lock:
            return [body for oid, body in self.landed if oid == order_id]

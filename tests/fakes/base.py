"""A small threaded HTTP server on loopback for faking outside systems in tests.

Subclass it, add routes with `@route("GET", "/path")`, and read `requests` to see what our code
sent. Handlers get the parsed request and return (status, json_body) or (status, body, headers).
`behaviour` is a dict tests set to make the fake fail, hang, or answer an error code.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


Handler = Callable[["FakeServer", FakeRequest], tuple]


class _Server(ThreadingHTTPServer):
    # Many clients connect at once (a batch of concurrent sends): socketserver's default
    # backlog of 5 would refuse them, which no real robot endpoint does.
    request_queue_size = 1024


def route(method: str, path: str) -> Callable[[Handler], Handler]:
    def mark(fn: Handler) -> Handler:
        fn._route = (method.upper(), path)  # type: ignore[attr-defined]
        return fn

    return mark


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[FakeRequest] = []
        self.behaviour: dict[str, Any] = {}
        self.lock = threading.Lock()
        self._routes: dict[tuple[str, str], Handler] = {}
        for name in dir(type(self)):
            fn = getattr(type(self), name)
            if callable(fn) and hasattr(fn, "_route"):
                self._routes[fn._route] = fn
        self._httpd: ThreadingHTTPServer | None = None

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeServer:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = FakeRequest(
                    method=self.command,
                    path=parts.path,
                    query={k: v[0] for k, v in parse_qs(parts.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                with fake.lock:
                    fake.requests.append(request)
                handler = fake.match(request)
                if handler is None:
                    result: tuple = (404, {"error": "no such route"})
                else:
                    result = handler(fake, request)
                status, payload = result[0], result[1]
                headers = result[2] if len(result) > 2 else {}
                data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", headers.pop("Content-Type", "application/json; charset=utf-8"))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def match(self, request: FakeRequest) -> Handler | None:
        return self._routes.get((request.method, request.path))

    def outage(self) -> tuple | None:
        """The 503 a fake answers while `behaviour["down"]` is set, or for the next
        `behaviour["fail"]` calls (counted down); None: serve the call."""
        if self.behaviour.get("down"):
            return 503, b"Service Unavailable", {"Content-Type": "text/plain"}
        with self.lock:
            failures = int(self.behaviour.get("fail", 0))
            if failures > 0:
                self.behaviour["fail"] = failures - 1
                return 503, {"code": 503, "message": "busy"}
        return None

    def calls(self, path: str) -> list[FakeRequest]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.behaviour.clear()


F = TypeVar("F", bound=FakeServer)


def serve(fake: F, settings: Any, system: str) -> Iterator[F]:
    """For a fixture to `yield from`: the fake started, `<SYSTEM>_API_BASE` pointing at it and
    `<SYSTEM>_SECRET` set to the one it checks signatures with; stopped after the test."""
    fake.start()
    setattr(settings, f"{system}_API_BASE", fake.url)
    setattr(settings, f"{system}_SECRET", fake.secret)  # type: ignore[attr-defined]
    yield fake
    fake.stop()

"""Local fakes of the group-chat robots, one loopback server for all three, following the
published contracts:

- WeCom:    POST /cgi-bin/webhook/send?key=K  {"msgtype": "text"|"markdown", ...}
            -> {"errcode": 0, "errmsg": "ok"}; 93000 unknown key; 45009 over 20 a minute;
            40008 bad msgtype; 44004 empty content.
- DingTalk: POST /robot/send?access_token=T[&timestamp=ms&sign=s]
            sign = base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), timestamp within an hour
            -> {"errcode": 0, "errmsg": "ok"}; 300001 unknown token; 310000 sign mismatch;
            130101 over 20 a minute.
- Feishu:   POST /open-apis/bot/v2/hook/T  {"timestamp": s, "sign": ..., "msg_type", "content"}
            sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))
            -> {"code": 0, "msg": "success", "data": {}}; 19001 unknown token; 19021 sign invalid;
            9499 bad request; 11232 too many requests.

Every robot records the arrival time of each accepted message (`arrivals`) and refuses with
its rate-limit code once `limit` messages arrived within `window` seconds (20 a minute by
default). Tests steer a robot with `robot.behaviour`: {"fail": n, "errcode": c} answers c the
next n times (status 503 when c is "503"); {"hang": seconds} sleeps before answering. `delay`
(server-wide) is the time every answer takes (the benchmark's 50 ms).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from .base import FakeRequest, FakeServer

RATE_CODES = {"wecom": 45009, "dingtalk": 130101, "feishu": 11232}
UNKNOWN_CODES = {"wecom": 93000, "dingtalk": 300001, "feishu": 19001}
SIGN_CODES = {"dingtalk": 310000, "feishu": 19021}


@dataclass
class Robot:
    provider: str
    token: str
    secret: str = ""
    arrivals: list[float] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    refused: list[tuple[float, int]] = field(default_factory=list)
    behaviour: dict[str, Any] = field(default_factory=dict)

    def max_in_window(self, window: float) -> int:
        """The most accepted messages any `window`-second span holds."""
        times = sorted(self.arrivals)
        best, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best


def _answer(provider: str, code: int, text: str) -> tuple:
    if provider == "feishu":
        return 200, {"code": code, "msg": text, "data": {}}
    return 200, {"errcode": code, "errmsg": text}


class FakeRobots(FakeServer):
    def __init__(self, *, limit: int = 20, window: float = 60.0, delay: float = 0.0) -> None:
        super().__init__()
        self.limit = limit
        self.window = window
        self.delay = delay
        self.robots: dict[tuple[str, str], Robot] = {}
        self._serial = itertools.count(1)

    # --- set-up ----------------------------------------------------------------------------
    def add(self, provider: str, *, secret: str = "", token: str = "") -> tuple[Robot, str]:
        """Register a robot; returns it and its webhook URL."""
        token = token or f"{provider}-{next(self._serial):06d}-k3y"
        robot = Robot(provider=provider, token=token, secret=secret)
        with self.lock:
            self.robots[(provider, token)] = robot
        return robot, self.webhook(provider, token)

    def webhook(self, provider: str, token: str) -> str:
        return {
            "wecom": f"{self.url}/cgi-bin/webhook/send?key={token}",
            "dingtalk": f"{self.url}/robot/send?access_token={token}",
            "feishu": f"{self.url}/open-apis/bot/v2/hook/{token}",
        }[provider]

    def all_messages(self) -> int:
        with self.lock:
            return sum(len(r.messages) for r in self.robots.values())

    # --- routing ---------------------------------------------------------------------------
    def match(self, request: FakeRequest):  # type: ignore[override]
        if request.method != "POST":
            return None
        if request.path == "/cgi-bin/webhook/send":
            provider, token = "wecom", request.query.get("key", "")
        elif request.path == "/robot/send":
            provider, token = "dingtalk", request.query.get("access_token", "")
        elif request.path.startswith("/open-apis/bot/v2/hook/"):
            provider, token = "feishu", request.path.rsplit("/", 1)[-1]
        else:
            return None
        return lambda fake, req: fake.serve(provider, token, req)

    def serve(self, provider: str, token: str, request: FakeRequest) -> tuple:
        robot = self.robots.get((provider, token))
        if self.delay:
            time.sleep(self.delay)
        if robot is None:
            return _answer(provider, UNKNOWN_CODES[provider], "invalid webhook url / token")
        if robot.behaviour.get("hang"):
            time.sleep(float(robot.behaviour["hang"]))
        with self.lock:
            if robot.behaviour.get("fail", 0) > 0:
                robot.behaviour["fail"] -= 1
                code = robot.behaviour.get("errcode", -1)
                if code == "503":
                    return 503, b"Service Unavailable", {"Content-Type": "text/plain"}
                return _answer(provider, int(code), "forced failure")
        try:
            body = request.json() or {}
        except ValueError:
            return _answer(provider, 40035 if provider == "dingtalk" else 40008, "invalid json")
        refusal = self._check_sign(robot, request, body) or self._check_body(robot, body)
        if refusal:
            return refusal
        with self.lock:
            recent = [t for t in robot.arrivals if request.at - t < self.window]
            if len(recent) >= self.limit:
                robot.refused.append((request.at, RATE_CODES[provider]))
                return _answer(provider, RATE_CODES[provider], "send too fast, exceed 20 times per minute")
            robot.arrivals.append(request.at)
            robot.messages.append(body)
        if provider == "feishu":
            return 200, {"code": 0, "msg": "success", "data": {}}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _check_sign(self, robot: Robot, request: FakeRequest, body: dict) -> tuple | None:
        if not robot.secret or robot.provider == "wecom":
            return None
        if robot.provider == "dingtalk":
            raw_ts, sign = request.query.get("timestamp", ""), request.query.get("sign", "")
            fresh = raw_ts.isdigit() and abs(time.time() * 1000 - int(raw_ts)) < 3600_000
            string = f"{raw_ts}\n{robot.secret}".encode()
            expected = base64.b64encode(hmac.new(robot.secret.encode(), string, hashlib.sha256).digest()).decode()
        else:
            raw_ts, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
            fresh = raw_ts.isdigit() and abs(time.time() - int(raw_ts)) < 3600
            key = f"{raw_ts}\n{robot.secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        if not fresh or not hmac.compare_digest(sign, expected):
            return _answer(robot.provider, SIGN_CODES[robot.provider], "sign not match")
        return None

    def _check_body(self, robot: Robot, body: dict) -> tuple | None:
        if robot.provider == "wecom":
            kind = body.get("msgtype")
            if kind not in {"text", "markdown"}:
                return _answer("wecom", 40008, "invalid message type")
            if not (body.get(kind) or {}).get("content"):
                return _answer("wecom", 44004, "empty content")
        elif robot.provider == "dingtalk":
            kind = body.get("msgtype")
            if kind not in {"text", "markdown"} or not body.get(kind):
                return _answer("dingtalk", 40035, "invalid msgtype")
        elif body.get("msg_type") not in {"text", "post", "interactive"} or not body.get("content"):
            return _answer("feishu", 9499, "Bad Request")
        return None

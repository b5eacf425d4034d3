"""DingTalk (钉钉) custom robot: POST {webhook}?access_token=…[&timestamp=…&sign=…].

With a secret ("加签"), sign = base64(HMAC-SHA256(key=secret, msg=f"{timestamp_ms}\\n{secret}")),
sent URL-encoded in the query with the millisecond timestamp (valid for an hour).
130101: sending too fast (20 a minute per robot); 310000: signature, keyword or IP refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from .base import Outbound, RobotProvider, cut_bytes


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class DingTalkRobot(RobotProvider):
    key = "dingtalk"
    # 300001 unknown access_token, 310000 sign/keyword/IP mismatch, 400102 robot disabled,
    # 40035 bad parameter.
    permanent_codes = frozenset({300001, 310000, 400102, 40035})
    rate_limit_codes = frozenset({130101, 410100})

    def build(self, outbound: Outbound) -> tuple[dict[str, str], dict[str, Any]]:
        params: dict[str, str] = {}
        if outbound.secret:
            timestamp_ms = int(time.time() * 1000)
            # httpx URL-encodes the query values: the base64 sign's + / = arrive intact.
            params = {"timestamp": str(timestamp_ms), "sign": dingtalk_sign(outbound.secret, timestamp_ms)}
        mentions = list(outbound.mentions)
        text = cut_bytes(f"### {outbound.title}\n\n{outbound.body}" + "".join(f" @{m}" for m in mentions), 5000)
        body = {
            "msgtype": "markdown",
            "markdown": {"title": outbound.title[:64] or "通知", "text": text},
            "at": {"atMobiles": mentions, "isAtAll": outbound.mention_all},
        }
        return params, body

    def error_code(self, answer: dict[str, Any]) -> tuple[int, str]:
        return int(answer.get("errcode", -1)), str(answer.get("errmsg", ""))

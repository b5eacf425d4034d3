"""Feishu / Lark (飞书) custom bot: POST {webhook} with {"timestamp","sign","msg_type","content"}.

With a secret, sign = base64(HMAC-SHA256(key=f"{timestamp_s}\\n{secret}", msg=b"")), the
timestamp in seconds (valid for an hour). Answers {"code": 0, "msg": "success"}; 19021 sign
invalid, 19022 IP not allowed, 19024 keyword missing, 9499 bad request; 11232 too many requests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from .base import Outbound, RobotProvider, cut_bytes


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class FeishuRobot(RobotProvider):
    key = "feishu"
    permanent_codes = frozenset({9499, 19001, 19002, 19007, 19021, 19022, 19024})
    rate_limit_codes = frozenset({11232})

    def build(self, outbound: Outbound) -> tuple[dict[str, str], dict[str, Any]]:
        lines: list[list[dict[str, str]]] = [
            [{"tag": "text", "text": line}] for line in cut_bytes(outbound.body, 20000).splitlines() or [""]
        ]
        if outbound.mention_all:
            lines.append([{"tag": "at", "user_id": "all", "user_name": "所有人"}])
        body: dict[str, Any] = {
            "msg_type": "post",
            "content": {"post": {"zh_cn": {"title": outbound.title, "content": lines}}},
        }
        if outbound.secret:
            timestamp_s = int(time.time())
            body = {"timestamp": str(timestamp_s), "sign": feishu_sign(outbound.secret, timestamp_s), **body}
        return {}, body

    def error_code(self, answer: dict[str, Any]) -> tuple[int, str]:
        # Newer answers carry code/msg, older ones StatusCode/StatusMessage.
        code = answer.get("code", answer.get("StatusCode", -1))
        return int(code), str(answer.get("msg", answer.get("StatusMessage", "")))

"""WeCom (企业微信) group robot: POST {webhook}?key=… with a text or markdown message.

Text carries `mentioned_mobile_list` ("@all" for everyone); markdown cannot @ by phone, so a
message with mentions goes as text. Limits: text 2,048 bytes, markdown 4,096 bytes, 20
messages a minute per robot (45009 beyond)."""

from __future__ import annotations

from typing import Any

from .base import Outbound, RobotProvider, cut_bytes


class WeComRobot(RobotProvider):
    key = "wecom"
    # 93000 invalid webhook key, 40008 invalid message type, 44004 empty content,
    # 40058 bad parameter, 93004 robot disabled.
    permanent_codes = frozenset({93000, 93004, 40008, 44004, 40058})
    rate_limit_codes = frozenset({45009})

    def build(self, outbound: Outbound) -> tuple[dict[str, str], dict[str, Any]]:
        mentions = ["@all"] if outbound.mention_all else list(outbound.mentions)
        if mentions:
            text = cut_bytes(f"{outbound.title}\n{outbound.body}".strip(), 2048)
            return {}, {"msgtype": "text", "text": {"content": text, "mentioned_mobile_list": mentions}}
        content = cut_bytes(f"### {outbound.title}\n{outbound.body}".strip(), 4096)
        return {}, {"msgtype": "markdown", "markdown": {"content": content}}

    def error_code(self, answer: dict[str, Any]) -> tuple[int, str]:
        return int(answer.get("errcode", -1)), str(answer.get("errmsg", ""))

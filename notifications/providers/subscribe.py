"""Mini-program subscribe messages through backend.wechat (the access token is cached and
refreshed on 40001/42001 by `call_with_token`). Values are cut to WeChat's per-type limits,
else WeChat refuses the whole message (47003)."""

from __future__ import annotations

import re

from backend import wechat
from backend.http import OutboundError

from .base import Outbound, Provider, SendError

# Maximum characters per data type (the key's letters: thing1 -> thing).
VALUE_LIMITS = {
    "thing": 20,
    "name": 10,
    "phrase": 5,
    "character_string": 32,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "phone_number": 17,
    "car_number": 8,
    "amount": 11,
    "time": 32,
    "date": 32,
}
# 43101 the user did not subscribe (or used up the one-off grant), 40003 bad openid,
# 40037 bad template id, 47003 bad data, 41030 bad page: sending again cannot help.
PERMANENT_ERRCODES = frozenset({43101, 40003, 40037, 47003, 41030, 43104})
RATE_LIMIT_ERRCODES = frozenset({45009, 45047})


def cut_value(key: str, value: str) -> str:
    kind = re.sub(r"\d+$", "", key)
    limit = VALUE_LIMITS.get(kind)
    if limit is None or len(value) <= limit:
        return value
    if kind in {"thing", "name"}:
        return value[: limit - 1] + "…"
    return value[:limit]


def cut_values(data: dict[str, str]) -> dict[str, str]:
    return {key: cut_value(key, str(value)) for key, value in data.items()}


class SubscribeMessage(Provider):
    key = "subscribe"

    def send(self, outbound: Outbound) -> None:
        payload = outbound.subscribe
        if not payload.get("template_id") or not outbound.openid:
            raise SendError("no subscribe template or openid", permanent=True)
        try:
            wechat.send_subscribe_message(
                openid=outbound.openid,
                template_id=payload["template_id"],
                data=cut_values(payload.get("data", {})),
                page=payload.get("page", ""),
            )
        except wechat.WeChatError as exc:
            raise SendError(
                f"WeChat errcode {exc.errcode}: {exc.errmsg}"[:300],
                code=exc.errcode,
                permanent=exc.errcode in PERMANENT_ERRCODES,
                rate_limited=exc.errcode in RATE_LIMIT_ERRCODES,
            ) from exc
        except OutboundError as exc:
            raise SendError(str(exc)) from exc

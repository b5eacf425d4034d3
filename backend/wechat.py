"""The WeChat mini-program server APIs we call, at settings.WECHAT_API_BASE.

code2Session (login), the access token (cached, refreshed when WeChat says it is stale),
getuserphonenumber (phone binding), msgSecCheck and mediaCheckAsync (content safety, used through
backend.content_check) and subscribeMessage.send.
Every call returns WeChat's JSON or raises WeChatError (an errcode) / OutboundError (no answer).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache

from .http import OutboundError, request_json

log = logging.getLogger(__name__)

TOKEN_CACHE_KEY = "wechat:access_token"
# WeChat's errcodes for an access token that is invalid or expired: fetch a new one and retry.
STALE_TOKEN_ERRCODES = {40001, 40014, 42001}


class WeChatError(Exception):
    def __init__(self, errcode: int, errmsg: str = "") -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        super().__init__(f"WeChat errcode {errcode}: {errmsg}")


def _checked(data: dict[str, Any]) -> dict[str, Any]:
    errcode = int(data.get("errcode") or 0)
    if errcode != 0:
        raise WeChatError(errcode, str(data.get("errmsg", "")))
    return data


def _url(path: str) -> str:
    return f"{settings.WECHAT_API_BASE}{path}"


def code2session(code: str) -> dict[str, Any]:
    """{"openid", "session_key", "unionid"?} for a wx.login code."""
    params = {
        "appid": settings.WECHAT_APPID,
        "secret": settings.WECHAT_SECRET,
        "js_code": code,
        "grant_type": "authorization_code",
    }
    data = _checked(request_json("GET", _url("/sns/jscode2session"), params=params))
    if not data.get("openid"):
        raise OutboundError("code2Session answered without an openid")
    return data


def access_token(*, refresh: bool = False) -> str:
    """The mini-program's access token, shared by all processes through the cache."""
    if not refresh:
        token = cache.get(TOKEN_CACHE_KEY)
        if token:
            return token
    params = {"grant_type": "client_credential", "appid": settings.WECHAT_APPID, "secret": settings.WECHAT_SECRET}
    data = _checked(request_json("GET", _url("/cgi-bin/token"), params=params))
    token = data.get("access_token")
    if not token:
        raise OutboundError("token endpoint answered without access_token")
    # Refresh five minutes early so a token never expires in flight.
    cache.set(TOKEN_CACHE_KEY, token, max(60, int(data.get("expires_in", 7200)) - 300))
    return token


def call_with_token(path: str, body: dict[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
    """POST to an API that takes ?access_token=, refreshing the token once if it was stale.
    `timeout` (seconds) bounds a call on a request's path tighter than the outbound default."""
    extra: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}
    for attempt in (0, 1):
        token = access_token(refresh=attempt == 1)
        try:
            return _checked(request_json("POST", _url(path), params={"access_token": token}, json=body, **extra))
        except WeChatError as exc:
            if exc.errcode in STALE_TOKEN_ERRCODES and attempt == 0:
                log.info("WeChat access token stale (%s); refreshing", exc.errcode)
                cache.delete(TOKEN_CACHE_KEY)
                continue
            raise
    raise AssertionError("unreachable")


def phone_number(code: str) -> str:
    """The user's phone number for a getPhoneNumber code (purePhoneNumber: no country code)."""
    data = call_with_token("/wxa/business/getuserphonenumber", {"code": code})
    info = data.get("phone_info") or {}
    phone = info.get("purePhoneNumber") or info.get("phoneNumber")
    if not phone:
        raise OutboundError("getuserphonenumber answered without phone_info")
    return str(phone)


def msg_sec_check(*, content: str, openid: str, scene: int = 2, timeout: float | None = None) -> dict[str, Any]:
    """WeChat's verdict on a text (msgSecCheck v2): {"suggest": "pass"|"review"|"risky", "label": int}.
    An answer without a result is an OutboundError: a missing verdict must never read as a pass."""
    body = {"content": content, "version": 2, "scene": scene, "openid": openid}
    result = call_with_token("/wxa/msg_sec_check", body, timeout=timeout).get("result")
    if not isinstance(result, dict) or result.get("suggest") not in {"pass", "review", "risky"}:
        raise OutboundError("msg_sec_check answered without a result")
    return {"suggest": result["suggest"], "label": int(result.get("label") or 0)}


def media_check_async(*, media_url: str, openid: str, scene: int = 2, timeout: float | None = None) -> str:
    """Ask WeChat to check an image (mediaCheckAsync v2, media_type 2); the verdict is pushed
    later to our message-push endpoint with the `trace_id` returned here."""
    body = {"media_url": media_url, "media_type": 2, "version": 2, "scene": scene, "openid": openid}
    trace_id = call_with_token("/wxa/media_check_async", body, timeout=timeout).get("trace_id")
    if not trace_id:
        raise OutboundError("media_check_async answered without a trace_id")
    return str(trace_id)


def send_subscribe_message(*, openid: str, template_id: str, data: dict[str, str], page: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {
        "touser": openid,
        "template_id": template_id,
        "miniprogram_state": settings.WECHAT_MINIPROGRAM_STATE,
        "lang": "zh_CN",
        "data": {key: {"value": value} for key, value in data.items()},
    }
    if page:
        body["page"] = page
    return call_with_token("/cgi-bin/message/subscribe/send", body)


def is_configured() -> bool:
    return bool(settings.WECHAT_APPID and settings.WECHAT_SECRET)

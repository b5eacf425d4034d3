"""A local fake of the WeChat mini-program server APIs, following the published contracts:

- GET  /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code
       -> {"openid","session_key","unionid"?} or {"errcode":40029,"errmsg":"invalid code"}
- GET  /cgi-bin/token?grant_type=client_credential&appid&secret -> {"access_token","expires_in":7200}
- POST /wxa/business/getuserphonenumber?access_token  {"code"}
       -> {"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber","purePhoneNumber","countryCode","watermark"}}
- POST /wxa/msg_sec_check?access_token  {"content","version":2,"scene","openid"}
       -> {"errcode":0,"result":{"suggest":"pass"|"risky"|"review","label":...}}
- POST /wxa/media_check_async?access_token  {"media_url","media_type":2,"version":2,"scene","openid"}
       -> {"errcode":0,"errmsg":"ok","trace_id"}; the verdict is pushed later (message push,
       Event "wxa_media_check") to the URL configured as behaviour["push_url"], signed with
       behaviour["push_token"] the way WeChat signs (sha1 of sorted token, timestamp, nonce)
- POST /cgi-bin/message/subscribe/send?access_token  {"touser","template_id","data",...}
       -> {"errcode":0,"errmsg":"ok"}; 43101 when the user has not subscribed

Conventions for tests: a wx.login code "bad" is answered 40029 and "busy" -1; any other code
logs in openid "o-<code>". A phone code "bad" gives 40029; otherwise the phone is
behaviour["phone"] (default 13812345678). Text containing a word of behaviour["risky_words"]
(default "赌博", "违禁") is "risky" (label 20001); behaviour["verdicts"] maps a text fragment to
("pass"|"review"|"risky", label) and wins over risky_words; behaviour["sec_check_down"] = True
answers msg_sec_check with 503 and behaviour["sec_check_errcode"] with that errcode (the rest
of the fake keeps working). Photos: behaviour["media_verdicts"] maps a URL fragment to
(suggest, label), default ("pass", 100); every request is kept in `media_checks`
({"trace_id","media_url","openid","scene"}); `push_media_result(trace_id)` posts its verdict
to behaviour["push_url"], and behaviour["auto_push"] = True does so right after answering;
`media_push_event(trace_id)` is the event's body and `push_path(path, timestamp=, nonce=)` a
signed path, for a test that sends the push itself (stale, replayed, malformed).
Openids in behaviour["unsubscribed"] get 43101.
behaviour["expire_token"] = True makes the next token-taking call answer 42001 once.
behaviour["down"] = True answers 503 to everything; behaviour["hang"] = seconds sleeps first.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx

from .base import FakeRequest, FakeServer, route

APPID = "wx-test-appid"
SECRET = "wx-test-secret"


class FakeWeChat(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self._token_counter = itertools.count(1)
        self.valid_tokens: set[str] = set()
        self.sent_messages: list[dict] = []
        self.media_checks: list[dict] = []

    def match(self, request: FakeRequest):  # type: ignore[override]
        if self.behaviour.get("hang"):
            time.sleep(float(self.behaviour["hang"]))
        if self.behaviour.get("down"):
            return lambda fake, req: (503, b"Service Unavailable", {"Content-Type": "text/plain"})
        return super().match(request)

    def _token_error(self, request: FakeRequest) -> dict | None:
        token = request.query.get("access_token", "")
        if self.behaviour.pop("expire_token", False):
            self.valid_tokens.discard(token)
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if token not in self.valid_tokens:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        return None

    @route("GET", "/sns/jscode2session")
    def code2session(self, request: FakeRequest) -> tuple:
        q = request.query
        if q.get("appid") != APPID or q.get("secret") != SECRET:
            return 200, {"errcode": 40013, "errmsg": "invalid appid"}
        code = q.get("js_code", "")
        if code == "bad" or not code:
            return 200, {"errcode": 40029, "errmsg": "invalid code"}
        if code == "busy":
            return 200, {"errcode": -1, "errmsg": "system error"}
        return 200, {"openid": f"o-{code}", "session_key": "c2Vzc2lvbg==", "unionid": f"u-{code}"}

    @route("GET", "/cgi-bin/token")
    def token(self, request: FakeRequest) -> tuple:
        q = request.query
        if q.get("appid") != APPID or q.get("secret") != SECRET:
            return 200, {"errcode": 40013, "errmsg": "invalid appid"}
        token = f"token-{next(self._token_counter)}"
        self.valid_tokens.add(token)
        return 200, {"access_token": token, "expires_in": 7200}

    @route("POST", "/wxa/business/getuserphonenumber")
    def phone(self, request: FakeRequest) -> tuple:
        if (error := self._token_error(request)) is not None:
            return 200, error
        code = (request.json() or {}).get("code", "")
        if code in ("", "bad"):
            return 200, {"errcode": 40029, "errmsg": "invalid code"}
        phone = self.behaviour.get("phone", "13812345678")
        return 200, {
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": phone,
                "purePhoneNumber": phone,
                "countryCode": "86",
                "watermark": {"timestamp": int(time.time()), "appid": APPID},
            },
        }

    @route("POST", "/wxa/msg_sec_check")
    def msg_sec_check(self, request: FakeRequest) -> tuple:
        if self.behaviour.get("sec_check_down"):
            return 503, b"Service Unavailable", {"Content-Type": "text/plain"}
        if (error := self._token_error(request)) is not None:
            return 200, error
        if errcode := self.behaviour.get("sec_check_errcode"):
            return 200, {"errcode": int(errcode), "errmsg": "fake error"}
        body = request.json() or {}
        if body.get("version") != 2 or not body.get("openid") or body.get("scene") not in (1, 2, 3, 4):
            return 200, {"errcode": 47001, "errmsg": "data format error"}
        suggest, label = self.text_verdict(str(body.get("content", "")))
        return 200, {
            "errcode": 0,
            "errmsg": "ok",
            "result": {"suggest": suggest, "label": label},
            "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}],
            "trace_id": uuid.uuid4().hex,
        }

    def text_verdict(self, content: str) -> tuple[str, int]:
        for fragment, (suggest, label) in (self.behaviour.get("verdicts") or {}).items():
            if fragment in content:
                return suggest, int(label)
        if any(word in content for word in self.behaviour.get("risky_words", ["赌博", "违禁"])):
            return "risky", 20001
        return "pass", 100

    @route("POST", "/wxa/media_check_async")
    def media_check_async(self, request: FakeRequest) -> tuple:
        if (error := self._token_error(request)) is not None:
            return 200, error
        body = request.json() or {}
        if body.get("media_type") != 2 or body.get("version") != 2 or not body.get("media_url"):
            return 200, {"errcode": 47001, "errmsg": "data format error"}
        trace_id = f"trace-{uuid.uuid4().hex[:16]}"
        with self.lock:
            self.media_checks.append(
                {
                    "trace_id": trace_id,
                    "media_url": body["media_url"],
                    "openid": body.get("openid", ""),
                    "scene": body.get("scene"),
                }
            )
        if self.behaviour.get("auto_push"):
            # WeChat answers first and pushes the verdict later, from elsewhere.
            threading.Thread(target=self.push_media_result, args=(trace_id,), daemon=True).start()
        return 200, {"errcode": 0, "errmsg": "ok", "trace_id": trace_id}

    def media_verdict(self, media_url: str) -> tuple[str, int]:
        for fragment, (suggest, label) in (self.behaviour.get("media_verdicts") or {}).items():
            if fragment in media_url:
                return suggest, int(label)
        return "pass", 100

    def media_push_event(self, trace_id: str) -> dict:
        """The message-push event WeChat sends with a photo's verdict."""
        with self.lock:
            check = next(c for c in self.media_checks if c["trace_id"] == trace_id)
        suggest, label = self.media_verdict(check["media_url"])
        return {
            "ToUserName": "gh_fake",
            "FromUserName": check["openid"],
            "CreateTime": int(time.time()),
            "MsgType": "event",
            "Event": "wxa_media_check",
            "appid": APPID,
            "trace_id": trace_id,
            "version": 2,
            "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}],
            "errcode": 0,
            "errmsg": "ok",
            "result": {"suggest": suggest, "label": label},
        }

    def signed_query(
        self, token: str | None = None, *, timestamp: int | None = None, nonce: str | None = None
    ) -> dict[str, str]:
        """The query string WeChat signs a push with: now and a fresh nonce unless given (a
        test replays a nonce, or sends a push as old as it likes)."""
        token = self.behaviour.get("push_token", "") if token is None else token
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        once = uuid.uuid4().hex[:10] if nonce is None else nonce
        signature = hashlib.sha1("".join(sorted([token, stamp, once])).encode()).hexdigest()
        return {"signature": signature, "timestamp": stamp, "nonce": once}

    def push_path(self, path: str, **signing: Any) -> str:
        """`path` with a signed query string (see `signed_query`): for a test to POST a push
        through Django's test client instead of over the network."""
        return f"{path}?{urlencode(self.signed_query(**signing))}"

    def push_media_result(self, trace_id: str, **signing: Any) -> int:
        """POST the verdict to behaviour["push_url"] as WeChat would; the HTTP status."""
        body = json.dumps(self.media_push_event(trace_id), ensure_ascii=False).encode()
        answer = httpx.post(
            self.behaviour["push_url"],
            params=self.signed_query(**signing),
            content=body,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        return answer.status_code

    @route("POST", "/cgi-bin/message/subscribe/send")
    def subscribe_send(self, request: FakeRequest) -> tuple:
        if (error := self._token_error(request)) is not None:
            return 200, error
        body = request.json() or {}
        if body.get("touser") in set(self.behaviour.get("unsubscribed", [])):
            return 200, {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        if not body.get("template_id"):
            return 200, {"errcode": 40037, "errmsg": "invalid template_id"}
        for key, value in (body.get("data") or {}).items():
            if key.startswith("thing") and len(value.get("value", "")) > 20:
                return 200, {"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value exceeds limit"}
        with self.lock:
            self.sent_messages.append(body)
        return 200, {"errcode": 0, "errmsg": "ok"}

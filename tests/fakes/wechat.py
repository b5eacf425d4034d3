"""A local fake of the WeChat mini-program server APIs, following the published contracts:

- GET  /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code
       -> {"openid","session_key","unionid"?} or {"errcode":40029,"errmsg":"invalid code"}
- GET  /cgi-bin/token?grant_type=client_credential&appid&secret -> {"access_token","expires_in":7200}
- POST /wxa/business/getuserphonenumber?access_token  {"code"}
       -> {"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber","purePhoneNumber","countryCode","watermark"}}
- POST /wxa/msg_sec_check?access_token  {"content","version":2,"scene","openid"}
       -> {"errcode":0,"result":{"suggest":"pass"|"risky"|"review","label":...}}
- POST /cgi-bin/message/subscribe/send?access_token  {"touser","template_id","data",...}
       -> {"errcode":0,"errmsg":"ok"}; 43101 when the user has not subscribed

Conventions for tests: a wx.login code "bad" is answered 40029 and "busy" -1; any other code
logs in openid "o-<code>". A phone code "bad" gives 40029; otherwise the phone is
behaviour["phone"] (default 13812345678). Text containing a word of behaviour["risky_words"]
(default "赌博", "违禁") is "risky". Openids in behaviour["unsubscribed"] get 43101.
behaviour["expire_token"] = True makes the next token-taking call answer 42001 once.
behaviour["down"] = True answers 503 to everything; behaviour["hang"] = seconds sleeps first.
"""

from __future__ import annotations

import itertools
import time

from .base import FakeRequest, FakeServer, route

APPID = "wx-test-appid"
SECRET = "wx-test-secret"


class FakeWeChat(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self._token_counter = itertools.count(1)
        self.valid_tokens: set[str] = set()
        self.sent_messages: list[dict] = []

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
        if (error := self._token_error(request)) is not None:
            return 200, error
        content = (request.json() or {}).get("content", "")
        words = self.behaviour.get("risky_words", ["赌博", "违禁"])
        risky = any(word in content for word in words)
        return 200, {
            "errcode": 0,
            "errmsg": "ok",
            "result": {"suggest": "risky" if risky else "pass", "label": 20001 if risky else 100},
            "detail": [],
            "trace_id": "fake",
        }

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

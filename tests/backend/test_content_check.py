"""backend.content_check: the local word list, WeChat msgSecCheck v2 (pass / review / risky /
unreachable) and mediaCheckAsync with its signed push back to /api/v1/wechat/push."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from backend import content_check
from backend.content_check import ContentRejected, Scene, check_text, check_texts, normalise, parse_words
from backend.wechat_push import push_signature
from tests.waiting import wait_until

PUSH_TOKEN = "push-token-for-tests"
# The push endpoint's handlers (consultations' photos) read the database.
pytestmark = pytest.mark.django_db


def test_normalise_folds_width_case_and_drops_separators():
    assert normalise("加 ＶＸ：abc") == "加vxabc"
    assert normalise("赌\u200b*博!") == "赌博"


def test_word_list_parses_and_prefers_a_risky_entry():
    words = parse_words(["# comment", "20006 risky 赌博", "10001 review 加微信", ""])
    assert words.find("来赌博加微信") == (20006, "risky")
    assert words.find("请加 微 信") == (10001, "review")
    assert words.find("楼道灯坏了") is None
    with pytest.raises(ValueError):
        parse_words(["nonsense line"])


def test_a_risky_word_is_refused_without_wechat(settings: Any):
    settings.WECHAT_APPID = ""
    with pytest.raises(ContentRejected) as refused:
        check_text(text="楼下有人 赌 博", scene=Scene.COMMENT, openid="o-x")
    assert refused.value.code == "content_rejected" and refused.value.status == 400
    assert refused.value.fields["label"] == ["20006"]
    assert "违法犯罪" in str(refused.value.message)


def test_a_review_word_holds_the_text(settings: Any):
    settings.WECHAT_APPID = ""
    verdict = check_text(text="有事加微信聊", scene=Scene.COMMENT)
    assert verdict.held and verdict.reason == "review" and verdict.source == "words" and verdict.label == 10001
    assert not check_text(text="楼道灯坏了三天", scene=Scene.COMMENT).held


def test_the_word_list_file_is_a_setting(settings: Any, tmp_path: Any):
    settings.WECHAT_APPID = ""
    words = tmp_path / "words.txt"
    words.write_text("21000 risky 楼道灯\n", encoding="utf-8")
    settings.CONTENT_WORDS_FILE = str(words)
    with pytest.raises(ContentRejected):
        check_text(text="楼道灯坏了", scene=Scene.COMMENT)


def test_wechat_pass_is_asked_with_version_2_openid_and_scene(wechat: Any):
    verdict = check_text(text="门口的垃圾桶满了", scene=Scene.FORUM, openid="o-resident1")
    assert verdict.outcome == "pass" and not verdict.held
    (call,) = wechat.calls("/wxa/msg_sec_check")
    assert call.json() == {"content": "门口的垃圾桶满了", "version": 2, "scene": 3, "openid": "o-resident1"}


def test_wechat_risky_is_refused_naming_the_label(wechat: Any):
    wechat.behaviour["verdicts"] = {"不雅": ("risky", 20002)}
    with pytest.raises(ContentRejected) as refused:
        check_texts(texts={"title": "标题", "body": "一段不雅的话"}, scene=Scene.FORUM, openid="o-a")
    assert refused.value.fields["label"] == ["20002"] and "色情" in str(refused.value.message)


def test_wechat_review_holds_the_text(wechat: Any):
    wechat.behaviour["verdicts"] = {"可疑": ("review", 20012)}
    verdict = check_text(text="有点可疑的话", scene=Scene.COMMENT, openid="o-a")
    assert verdict.held and verdict.reason == "review" and verdict.label == 20012 and verdict.source == "wechat"


@pytest.mark.parametrize("failure", [{"sec_check_down": True}, {"sec_check_errcode": 61010}, {"down": True}])
def test_wechat_unreachable_holds_the_text(wechat: Any, failure: dict):
    wechat.behaviour.update(failure)
    verdict = check_text(text="正常的话", scene=Scene.COMMENT, openid="o-a")
    assert verdict.held and verdict.reason == "unreachable"


def test_wechat_not_running_at_all_holds_the_text(settings: Any):
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.CONTENT_CHECK_TIMEOUT_SECONDS = 1
    verdict = check_text(text="正常的话", scene=Scene.COMMENT, openid="o-a")
    assert verdict.held and verdict.reason == "unreachable"


def test_without_an_openid_wechat_is_not_asked(wechat: Any):
    assert not check_text(text="正常的话", scene=Scene.COMMENT, openid="").held
    assert wechat.calls("/wxa/msg_sec_check") == []


def test_the_local_list_refuses_before_wechat_is_asked(wechat: Any):
    with pytest.raises(ContentRejected):
        check_text(text="网络赌场", scene=Scene.COMMENT, openid="o-a")
    assert wechat.calls("/wxa/msg_sec_check") == []


# --- photos --------------------------------------------------------------------------------


@pytest.fixture
def received() -> Iterator[list[tuple[str, str, int]]]:
    """A media-result handler that records what the push endpoint dispatched."""
    got: list[tuple[str, str, int]] = []

    def handler(trace_id: str, suggest: str, label: int) -> int:
        got.append((trace_id, suggest, label))
        return 1

    content_check.on_media_result(handler)
    yield got
    content_check._MEDIA_HANDLERS.remove(handler)


def test_media_check_without_wechat_passes(settings: Any):
    settings.WECHAT_APPID = ""
    assert content_check.request_media_check(media_url="https://x/y.jpg").status == "pass"


def test_media_check_unreachable_stays_pending(wechat: Any):
    wechat.behaviour["down"] = True
    request = content_check.request_media_check(media_url="https://x/y.jpg", openid="o-a")
    assert request == content_check.MediaRequest("pending", "")


def test_media_check_push_flow_through_a_live_server(wechat: Any, settings: Any, live_server: Any, received: list):
    settings.WECHAT_PUSH_TOKEN = PUSH_TOKEN
    wechat.behaviour.update(
        push_url=f"{live_server.url}/api/v1/wechat/push",
        push_token=PUSH_TOKEN,
        auto_push=True,
        media_verdicts={"bad": ("risky", 20002)},
    )
    request = content_check.request_media_check(
        media_url="https://cdn.example/bad.jpg", openid="o-a", scene=Scene.FORUM
    )
    assert request.status == "pending" and request.trace_id
    (sent,) = wechat.media_checks
    assert sent["media_url"] == "https://cdn.example/bad.jpg" and sent["scene"] == 3
    (call,) = wechat.calls("/wxa/media_check_async")
    assert call.json()["media_type"] == 2 and call.json()["version"] == 2
    assert wait_until(lambda: received)
    assert received == [(request.trace_id, "risky", 20002)]


def _signed(token: str = PUSH_TOKEN) -> str:
    # Now and a fresh nonce: the endpoint refuses stale and replayed pushes (tests/consultations/
    # discussion/test_photos.py covers those refusals).
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
    return f"signature={push_signature(token, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}"


def test_push_get_answers_echostr_when_signed(api: Any, settings: Any):
    settings.WECHAT_PUSH_TOKEN = PUSH_TOKEN
    answer = api.get(f"/api/v1/wechat/push?{_signed()}&echostr=hello")
    assert answer.status_code == 200 and answer.content == b"hello"


@pytest.mark.parametrize("token", ["", "other-token"])
def test_push_with_a_bad_signature_is_refused(api: Any, settings: Any, received: list, token: str):
    settings.WECHAT_PUSH_TOKEN = token
    event = {"Event": "wxa_media_check", "trace_id": "t1", "result": {"suggest": "pass", "label": 100}}
    answer = api.post(f"/api/v1/wechat/push?{_signed()}", event)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "bad_signature"
    assert api.get(f"/api/v1/wechat/push?{_signed()}&echostr=x").status_code == 403
    assert received == []


def test_push_dispatches_a_verdict_and_ignores_other_events(api: Any, settings: Any, received: list):
    settings.WECHAT_PUSH_TOKEN = PUSH_TOKEN
    event = {"Event": "wxa_media_check", "trace_id": "t1", "result": {"suggest": "pass", "label": 100}}
    assert api.post(f"/api/v1/wechat/push?{_signed()}", event).content == b"success"
    assert api.post(f"/api/v1/wechat/push?{_signed()}", {"Event": "user_enter_tempsession"}).status_code == 200
    assert received == [("t1", "pass", 100)]
    incomplete = api.post(f"/api/v1/wechat/push?{_signed()}", {"Event": "wxa_media_check", "trace_id": "t2"})
    assert incomplete.status_code == 400 and incomplete.json()["error"]["code"] == "bad_push"

"""Content safety on posts through HTTP: the word list always; WeChat msgSecCheck (scene 2)
when configured: risky refused (nothing stored), review and unreachable held (only the author
sees it, in the queue, released by staff); and photos hidden until their pushed verdict passes."""

from __future__ import annotations

import time
from typing import Any

import pytest

from appeals.models import AppealAttachment
from consultations.models import ModerationLog, Photo, Post
from consultations.photos import record_photo_verdict, request_photo_checks

from .conftest import expect, posts_url

pytestmark = pytest.mark.django_db


def test_a_risky_word_is_refused_and_nothing_is_stored(api, tree, topic):
    body = expect(
        api.as_user(tree.resident1).post(posts_url(topic), {"body": "一起来网络 赌场发财"}), 400, "content_rejected"
    )
    assert body["error"]["fields"]["label"] == ["20006"] and "违法犯罪" in body["error"]["message"]
    assert not Post.objects.exists()


def test_wechat_risky_is_refused_naming_the_label(api, tree, topic, wechat):
    wechat.behaviour["verdicts"] = {"不堪入目": ("risky", 20002)}
    body = expect(api.as_user(tree.resident1).post(posts_url(topic), {"body": "不堪入目的话"}), 400, "content_rejected")
    assert "色情" in body["error"]["message"] and body["error"]["fields"]["label"] == ["20002"]
    (call,) = wechat.calls("/wxa/msg_sec_check")
    assert call.json() == {"content": "不堪入目的话", "version": 2, "scene": 2, "openid": "o-resident1"}
    english = api.as_user(tree.resident1).post(posts_url(topic), {"body": "不堪入目"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "pornography" in english.json()["error"]["message"]
    assert not Post.objects.exists()


@pytest.mark.parametrize("failure", [{"verdicts": {"说": ("review", 20012)}}, {"sec_check_down": True}])
def test_review_or_unreachable_holds_the_post_for_its_author_only(api, tree, topic, wechat, neighbour, failure):
    wechat.behaviour.update(failure)
    held = expect(api.as_user(tree.resident1).post(posts_url(topic), {"body": "我想说几句"}), 201)
    assert held["held"] is True and held["status"] == "held" and held["body"] == "我想说几句"
    mine = expect(api.as_user(tree.resident1).get(posts_url(topic)), 200)["results"]
    assert [r["id"] for r in mine] == [held["id"]] and mine[0]["held"] is True
    assert expect(api.as_user(neighbour()).get(posts_url(topic)), 200)["results"] == []
    expect(api.as_user(neighbour()).post(f"/api/v1/posts/{held['id']}/report", {"reason": "spam"}), 404)
    log = ModerationLog.objects.get(post_id=held["id"])
    assert log.action == "hold" and log.actor is None
    queue = expect(api.as_user(tree.staff1).get("/api/v1/moderation/queue"), 200)
    assert queue["counts"]["posts_held"] == 1 and queue["results"][0]["id"] == held["id"]
    # Staff release it: now everyone sees it, and it counts.
    released = expect(api.as_user(tree.staff1).post(f"/api/v1/posts/{held['id']}/unhide"), 200)
    assert released["held"] is False
    assert [r["id"] for r in expect(api.as_user(neighbour()).get(posts_url(topic)), 200)["results"]] == [held["id"]]
    assert ModerationLog.objects.filter(post_id=held["id"]).latest("pk").action == "approve"
    assert type(topic).objects.get(pk=topic.pk).post_count == 1


def test_a_review_word_of_the_local_list_holds_the_post(api, tree, topic):
    held = expect(api.as_user(tree.resident1).post(posts_url(topic), {"body": "有需要的加微信"}), 201)
    assert held["held"] is True and Post.objects.get(pk=held["id"]).held_label == "10001"


def test_staff_reject_a_held_post(api, tree, topic, wechat):
    wechat.behaviour["sec_check_down"] = True
    held = expect(api.as_user(tree.resident1).post(posts_url(topic), {"body": "暂时无法审核"}), 201)
    expect(api.as_user(tree.staff1).post(f"/api/v1/posts/{held['id']}/hide", {"reason": "审核不通过"}), 200)
    assert ModerationLog.objects.filter(post_id=held["id"]).latest("pk").action == "reject"
    assert type(topic).objects.get(pk=topic.pk).post_count == 0


# --- photos ------------------------------------------------------------------------------


def _photo(topic: Any, owner: Any, name: str = "good.jpg") -> Photo:
    attachment = AppealAttachment.objects.create(
        owner=owner, file=f"consultations/{name}", content_type="image/jpeg", size=100, width=4, height=3
    )
    return Photo.objects.create(attachment=attachment, consultation=topic)


@pytest.mark.django_db(transaction=True)
def test_a_photo_stays_pending_until_the_pushed_verdict(tree, topic, wechat, settings, live_server):
    settings.WECHAT_APPID = "wx-test-appid"
    settings.WECHAT_PUSH_TOKEN = "push-token"
    settings.PUBLIC_BASE_URL = "https://yd.example.cn"
    wechat.behaviour.update(
        push_url=f"{live_server.url}/api/v1/wechat/push", push_token="push-token", auto_push=True,
        media_verdicts={"bad": ("risky", 20002)},
    )  # fmt: skip
    good, bad = _photo(topic, tree.resident1), _photo(topic, tree.resident1, "bad.jpg")
    assert request_photo_checks(photo_ids=[good.pk, bad.pk]) == 2
    sent = {check["media_url"] for check in wechat.media_checks}
    assert all(url.startswith("https://yd.example.cn/") for url in sent) and len(sent) == 2
    deadline = time.monotonic() + 10
    while Photo.objects.filter(check_status="pending").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert Photo.objects.get(pk=good.pk).check_status == "pass"
    assert Photo.objects.get(pk=bad.pk).check_status == "risky"
    assert Photo.objects.get(pk=bad.pk).check_label == "20002"


def test_a_photo_waits_when_wechat_is_down_and_a_verdict_is_idempotent(tree, topic, wechat, settings):
    settings.WECHAT_APPID = "wx-test-appid"
    photo = _photo(topic, tree.resident1)
    wechat.behaviour["down"] = True
    assert request_photo_checks(photo_ids=[photo.pk]) == 0
    photo.refresh_from_db()
    assert photo.check_status == "pending" and photo.trace_id is None
    wechat.behaviour.clear()
    assert request_photo_checks(photo_ids=[photo.pk]) == 1
    photo.refresh_from_db()
    assert photo.trace_id
    for _ in range(2):
        assert record_photo_verdict(photo.trace_id, "pass", 100) == 1
    photo.refresh_from_db()
    assert photo.check_status == "pass"


@pytest.mark.django_db(transaction=True)
def test_linked_photos_are_sent_for_checking_after_commit(tree, topic, wechat, settings):
    from django.db import transaction

    from consultations.photos import queue_photo_checks

    settings.WECHAT_APPID = "wx-test-appid"
    with transaction.atomic():
        photo = _photo(topic, tree.resident1)
        queue_photo_checks(photo_ids=[photo.pk])
        assert wechat.media_checks == []  # nothing leaves before the commit
    photo.refresh_from_db()
    assert [c["trace_id"] for c in wechat.media_checks] == [photo.trace_id]


def test_posts_held_while_wechat_was_down_are_rechecked_once_it_answers(api, tree, topic, wechat, neighbour):
    """The periodic task (consultations.tasks.recheck_held_texts): nothing changes while WeChat
    is still down; once it answers, a pass is published, a risky one rejected, a review stays."""
    from consultations.tasks import recheck_held_texts

    wechat.behaviour["sec_check_down"] = True
    say = api.as_user(tree.resident1)
    fine, bad, doubtful = (
        expect(say.post(posts_url(topic), {"body": text}), 201)["id"] for text in ("路灯该修了", "不堪入目", "值得商榷")
    )
    assert recheck_held_texts() == {"published": 0, "rejected": 0, "review": 0, "still_unreachable": 1}
    assert set(Post.objects.values_list("status", flat=True)) == {"held"}

    wechat.behaviour["sec_check_down"] = False
    wechat.behaviour["verdicts"] = {"不堪入目": ("risky", 20002), "商榷": ("review", 20012)}
    assert recheck_held_texts() == {"published": 1, "rejected": 1, "review": 1, "still_unreachable": 0}
    rows = {p.pk: p for p in Post.objects.all()}
    assert rows[fine].status == "visible" and rows[fine].held_label == ""
    assert rows[bad].status == "hidden" and "色情" in rows[bad].hidden_reason
    assert rows[doubtful].status == "held" and rows[doubtful].held_label == "20012"
    seen = [r["id"] for r in expect(api.as_user(neighbour()).get(posts_url(topic)), 200)["results"]]
    assert fine in seen and doubtful not in seen
    assert type(topic).objects.get(pk=topic.pk).post_count == 1
    actions = dict(ModerationLog.objects.filter(actor=None).exclude(action="hold").values_list("post_id", "action"))
    assert actions == {fine: "approve", bad: "reject"}
    assert recheck_held_texts() == {"published": 0, "rejected": 0, "review": 0, "still_unreachable": 0}

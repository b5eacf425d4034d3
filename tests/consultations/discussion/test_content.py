"""Content safety on posts through HTTP: the word list always; WeChat msgSecCheck (scene 2)
when configured: risky refused (nothing stored), review and unreachable held (only the author
sees it, in the queue, released by staff); photos: test_photos.py."""

from __future__ import annotations

import pytest

from consultations.models import ModerationLog, Post

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

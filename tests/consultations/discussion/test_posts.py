"""Posts and replies: thread order, three levels of replies, placeholders of hidden posts,
cursor pages, followers and reply notifications, refusals, and fixed query counts."""

from __future__ import annotations

from typing import Any

import pytest

from consultations.models import Consultation, Follow, Post
from notifications.models import Notification

from .conftest import expect, make_topic, posts_url

pytestmark = pytest.mark.django_db


def thread(api: Any, user: Any, topic: Any, **params: Any) -> dict[str, Any]:
    return expect(api.as_user(user).get(posts_url(topic), params), 200)


def test_replies_follow_their_parent_in_thread_order(api, tree, topic, say, neighbour):
    other = neighbour()
    a = say(tree.resident1, topic, "第一条")
    b = say(other, topic, "第二条")
    a1 = say(other, topic, "回复第一条", reply_to=a["id"], stance="for")
    b1 = say(tree.resident1, topic, "回复第二条", reply_to=b["id"])
    a1a = say(tree.resident1, topic, "回复的回复", reply_to=a1["id"])
    a2 = say(tree.staff1, topic, "工作人员回复", reply_to=a["id"], stance="suggestion")
    rows = thread(api, other, topic)["results"]
    assert [r["id"] for r in rows] == [a["id"], a1["id"], a1a["id"], a2["id"], b["id"], b1["id"]]
    assert [r["depth"] for r in rows] == [0, 1, 2, 1, 0, 1]
    assert rows[1]["stance"] == "for" and rows[1]["mine"] is True and rows[0]["mine"] is False
    assert rows[0]["author"]["nickname"] == tree.resident1.nickname and "phone" not in str(rows[0])
    assert Consultation.objects.get(pk=topic.pk).post_count == 6


def test_three_levels_of_replies_and_no_fourth(api, tree, topic, say):
    parent = say(tree.resident1, topic, "楼主")
    for _ in range(3):
        parent = say(tree.resident1, topic, "再回复", reply_to=parent["id"])
    assert parent["depth"] == 3
    answer = api.as_user(tree.resident1).post(posts_url(topic), {"body": "第四层", "reply_to": parent["id"]})
    body = expect(answer, 400, "reply_too_deep")
    assert "reply_to" in body["error"]["fields"]
    assert Post.objects.filter(consultation=topic).count() == 4


def test_a_hidden_post_stays_as_a_placeholder_and_keeps_its_replies(api, tree, topic, say, neighbour):
    other = neighbour()
    a = say(other, topic, "有点过分的话")
    a1 = say(tree.resident1, topic, "回复它", reply_to=a["id"])
    b = say(tree.resident1, topic, "另一条")
    hidden = expect(api.as_user(tree.staff1).post(f"/api/v1/posts/{a['id']}/hide", {"reason": "人身攻击"}), 200)
    assert hidden["hidden"] is True and hidden["original_body"] == "有点过分的话"
    rows = thread(api, tree.resident1, topic)["results"]
    assert [r["id"] for r in rows] == [a["id"], a1["id"], b["id"]]
    placeholder = rows[0]
    assert placeholder["hidden"] is True and placeholder["hidden_reason"] == "人身攻击" and placeholder["hidden_at"]
    assert placeholder["body"] == "" and placeholder["author"] is None and placeholder["stance"] == ""
    assert rows[1]["reply_to"] == a["id"] and rows[1]["body"] == "回复它"
    assert Consultation.objects.get(pk=topic.pk).post_count == 2
    # Replying to the placeholder is refused.
    refused = api.as_user(tree.resident1).post(posts_url(topic), {"body": "再说", "reply_to": a["id"]})
    expect(refused, 400, "invalid_reply_to")


def test_cursor_pages_walk_the_whole_thread_in_order(api, tree, topic, say):
    ids = []
    for i in range(4):
        top = say(tree.resident1, topic, f"第{i}条")
        ids.append(top["id"])
        ids.append(say(tree.resident1, topic, f"回复{i}", reply_to=top["id"])["id"])
    seen, page = [], thread(api, tree.resident1, topic, page_size=3)
    while True:
        seen += [r["id"] for r in page["results"]]
        if not page["next"]:
            break
        page = expect(api.as_user(tree.resident1).get(page["next"]), 200)
    assert seen == ids


def test_posters_follow_and_a_reply_tells_the_parent_author(api, tree, topic, say, neighbour):
    other = neighbour()
    a = say(other, topic, "我先说")
    assert Follow.objects.filter(consultation=topic, user=other).exists()
    say(tree.resident1, topic, "回复你", reply_to=a["id"])
    told = Notification.objects.filter(user=other, message__event="consultation_post_reply")
    assert told.count() == 1
    say(other, topic, "自己回复自己", reply_to=a["id"])
    assert told.count() == 1


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"body": ""}, "invalid"),
        ({"body": "   "}, "invalid"),
        ({"body": "长" * 2001}, "invalid"),
        ({"body": "好", "stance": "maybe"}, "invalid"),
        ({"body": "好", "reply_to": 999999}, "invalid_reply_to"),
        ({}, "invalid"),
    ],
)
def test_bad_input_is_400(api, tree, topic, payload, code):
    expect(api.as_user(tree.resident1).post(posts_url(topic), payload), 400, code)
    assert not Post.objects.exists()


def test_who_may_post(api, tree, topic, neighbour):
    # A resident of a sibling micro-grid cannot see a micro-grid's topic; one of the grid's can.
    grid_topic = make_topic(grid=tree.grid1, author=tree.resident1)
    sibling = neighbour(grid=tree.micro21)
    expect(api.as_user(sibling).post(posts_url(topic), {"body": "你好"}), 404, "not_found")
    expect(api.as_user(sibling).post(posts_url(grid_topic), {"body": "你好"}), 201)
    expect(api.as_user(tree.worker1).post(posts_url(topic), {"body": "网格员来了"}), 201)
    expect(api.as_user(tree.newcomer).post(posts_url(topic), {"body": "我还没核实"}), 404)
    expect(api.post(posts_url(topic), {"body": "匿名"}), 401)


def test_authorization_comes_before_validation(api, tree, topic, far_topic):
    expect(api.as_user(tree.resident1).post(posts_url(far_topic), {"body": ""}), 404)


def test_a_closed_topic_takes_no_posts(api, tree):
    closed = make_topic(grid=tree.micro1, author=tree.resident1, status="closed")
    expect(api.as_user(tree.resident1).post(posts_url(closed), {"body": "还能说吗"}), 409, "discussion_closed")
    expect(api.as_user(tree.resident1).get(posts_url(closed)), 200)


def test_the_thread_page_costs_the_same_queries_however_long(api, tree, topic, neighbour, django_assert_num_queries):
    def fill(n: int) -> None:
        for i in range(n):
            post = Post.objects.create(consultation=topic, author=neighbour(), body=f"帖{i}")
            Post.objects.filter(pk=post.pk).update(thread_key=f"{post.pk:012d}")

    client = api.as_user(tree.resident1)
    fill(3)
    client.get(posts_url(topic))  # warm the per-process caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        expect(client.get(posts_url(topic)), 200)
    fill(30)
    with CaptureQueriesContext(connection) as many:
        assert len(expect(client.get(posts_url(topic)), 200)["results"]) == 20
    assert len(many) == len(few)


def test_a_post_renders_exactly_its_declared_fields_from_a_page_row_or_an_instance(api, tree, topic, say):
    """PostOut builds its answer by hand (the thread page is hot): the keys stay the schema's."""
    from consultations.discussion.serializers import PostOut

    created = say(tree.resident1, topic, "字段一致")
    row = thread(api, tree.resident1, topic)["results"][0]
    assert set(created) == set(row) == set(PostOut().fields)
    assert created == row

"""Reports (once each; N hide a post pending review), hide and unhide by staff of its reach,
the moderation log, authors told, and the queue of a reach with its counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultations.models import ModerationLog, Objection, Post, PostReport
from notifications.models import Notification

from .conftest import expect, make_topic

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/moderation/queue"


def report(api: Any, user: Any, post: dict, reason: str = "offensive") -> Any:
    return api.as_user(user).post(f"/api/v1/posts/{post['id']}/report", {"reason": reason})


def told(user: Any, event: str) -> int:
    return Notification.objects.filter(user=user, message__event=event).count()


def test_a_report_counts_once_per_reporter(api, tree, topic, say, neighbour):
    post = say(neighbour(), topic)
    reporter = neighbour()
    answer = expect(report(api, reporter, post, "spam"), 200)
    assert answer["hidden"] is False
    expect(report(api, reporter, post, "offensive"), 409, "already_reported")
    assert PostReport.objects.filter(post_id=post["id"]).count() == 1
    assert Post.objects.get(pk=post["id"]).report_count == 1


def test_report_refusals(api, tree, topic, say, neighbour):
    author = neighbour()
    post = say(author, topic)
    expect(report(api, author, post), 400, "own_post")
    expect(report(api, neighbour(), post, "boring"), 400, "invalid")
    expect(report(api, tree.resident2, post), 404)
    expect(report(api, tree.staff2, post), 404)


def test_enough_reports_hide_a_post_pending_review(api, tree, topic, say, neighbour):
    author = neighbour()
    post = say(author, topic, "广告一条")
    expect(report(api, neighbour(), post), 200)
    expect(report(api, neighbour(), post, "spam"), 200)
    third = expect(report(api, tree.resident1, post, "spam"), 200)
    assert third["hidden"] is True and third["hidden_reason"]
    row = Post.objects.get(pk=post["id"])
    assert row.status == "hidden" and row.hidden_by is None
    log = ModerationLog.objects.get(post=row)
    assert log.action == "auto_hide" and log.actor is None
    assert told(author, "consultation_post_hidden") == 1
    assert told(tree.staff1, "consultation_post_auto_hidden") == 1
    # A hidden post takes no more reports; it waits in the queue with its reasons.
    expect(report(api, neighbour(), post), 409, "already_hidden")
    queue = expect(api.as_user(tree.staff1).get(QUEUE), 200)
    assert queue["counts"]["posts_hidden_pending"] == 1
    (item,) = queue["results"]
    assert item["kind"] == "post" and item["id"] == post["id"] and item["report_reasons"] == {"offensive": 1, "spam": 2}
    assert item["original_body"] == "广告一条"


def test_staff_hide_and_unhide_logged_and_the_author_told(api, tree, topic, say, neighbour):
    author = neighbour()
    post = say(author, topic, "言辞激烈")
    staff = api.as_user(tree.staff1)
    expect(staff.post(f"/api/v1/posts/{post['id']}/hide", {"reason": ""}), 400)
    hidden = expect(staff.post(f"/api/v1/posts/{post['id']}/hide", {"reason": "不文明用语"}), 200)
    assert hidden["hidden"] is True and hidden["hidden_reason"] == "不文明用语"
    expect(staff.post(f"/api/v1/posts/{post['id']}/hide", {"reason": "再来"}), 409, "already_hidden")
    shown = expect(staff.post(f"/api/v1/posts/{post['id']}/unhide"), 200)
    assert shown["hidden"] is False and shown["body"] == "言辞激烈"
    expect(staff.post(f"/api/v1/posts/{post['id']}/unhide"), 409, "not_hidden")
    logs = list(
        ModerationLog.objects.filter(post_id=post["id"]).order_by("pk").values_list("action", "actor", "reason")
    )
    assert logs == [("hide", tree.staff1.pk, "不文明用语"), ("unhide", tree.staff1.pk, "")]
    assert told(author, "consultation_post_hidden") == 1 and told(author, "consultation_post_restored") == 1


def test_unhide_clears_the_reports_so_new_ones_count_afresh(api, tree, topic, say, neighbour):
    post = say(neighbour(), topic)
    for _ in range(3):
        expect(report(api, neighbour(), post), 200)
    expect(api.as_user(tree.staff1).post(f"/api/v1/posts/{post['id']}/unhide"), 200)
    assert not PostReport.objects.filter(post_id=post["id"], resolved_at__isnull=True).exists()
    assert expect(api.as_user(tree.staff1).get(QUEUE), 200)["counts"]["posts_hidden_pending"] == 0
    assert expect(report(api, neighbour(), post), 200)["hidden"] is False


def test_who_may_hide(api, tree, topic, far_topic, say, neighbour):
    post = say(neighbour(), topic)
    hide = f"/api/v1/posts/{post['id']}/hide"
    expect(api.as_user(tree.resident1).post(hide, {"reason": "x"}), 403, "not_staff")
    expect(api.as_user(tree.resident1).post(hide, {}), 403, "not_staff")  # authorization before validation
    expect(api.as_user(tree.staff2).post(hide, {"reason": "x"}), 404)
    expect(api.as_user(tree.staff2).post(f"/api/v1/posts/{post['id']}/unhide"), 404)
    expect(api.as_user(tree.worker1).post(hide, {"reason": "网格员处理"}), 200)
    expect(api.as_user(tree.admin).post(f"/api/v1/posts/{post['id']}/unhide"), 200)


def test_the_queue_is_scoped_with_counts(api, tree, topic, far_topic, say, neighbour):
    near = [say(neighbour(), topic, f"近{i}") for i in range(3)]
    far = say(tree.resident2, far_topic, "远")
    expect(report(api, tree.resident1, near[0]), 200)
    expect(report(api, neighbour(), near[1]), 200)
    Post.objects.filter(pk=near[2]["id"]).update(status="held", held_label="20012")
    expect(report(api, tree.staff2, far), 200)
    Objection.objects.create(
        consultation=topic, author=tree.resident1, body="有异议", status="held", held_label="unreachable"
    )
    type(topic).objects.filter(pk=topic.pk).update(moderation="held", moderation_label="10001")

    mine = expect(api.as_user(tree.staff1).get(QUEUE), 200)
    assert mine["counts"] == {
        "posts_held": 1,
        "posts_reported": 2,
        "posts_hidden_pending": 0,
        "objections_held": 1,
        "consultations_held": 1,
        "photos_held": 0,
    }
    assert {r["id"] for r in mine["results"]} == {p["id"] for p in near}
    theirs = expect(api.as_user(tree.staff2).get(QUEUE), 200)
    assert [r["id"] for r in theirs["results"]] == [far["id"]] and theirs["counts"]["posts_reported"] == 1
    everything = expect(api.as_user(tree.admin).get(QUEUE), 200)
    assert everything["counts"]["posts_reported"] == 3

    objections = expect(api.as_user(tree.staff1).get(QUEUE, {"kind": "objection"}), 200)["results"]
    assert objections[0]["kind"] == "objection" and objections[0]["held_label"] == "unreachable"
    topics = expect(api.as_user(tree.staff1).get(QUEUE, {"kind": "consultation"}), 200)["results"]
    assert topics[0]["kind"] == "consultation" and topics[0]["id"] == topic.pk and topics[0]["held_label"] == "10001"

    narrowed = expect(api.as_user(tree.admin).get(QUEUE, {"grid": tree.street2.pk}), 200)
    assert [r["id"] for r in narrowed["results"]] == [far["id"]]
    expect(api.as_user(tree.staff1).get(QUEUE, {"grid": tree.street2.pk}), 404)
    expect(api.as_user(tree.staff1).get(QUEUE, {"grid": 99999999}), 400)
    expect(api.as_user(tree.staff1).get(QUEUE, {"kind": "poll"}), 400)
    expect(api.as_user(tree.resident1).get(QUEUE), 403, "not_staff")
    expect(api.get(QUEUE), 401)


def test_queue_queries_do_not_grow(api, tree, say, neighbour):
    def fill(n: int) -> None:
        for _ in range(n):
            topic = make_topic(grid=tree.micro1, author=tree.resident1)
            post = say(neighbour(), topic)
            expect(report(api, neighbour(), post, "spam"), 200)

    client = api.as_user(tree.staff1)
    fill(2)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as few:
        expect(client.get(QUEUE), 200)
    fill(6)
    with CaptureQueriesContext(connection) as many:
        assert len(expect(client.get(QUEUE), 200)["results"]) == 8
    assert len(many) == len(few)

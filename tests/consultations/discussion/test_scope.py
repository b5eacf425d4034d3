"""Scope: a consultation's posts are seen by residents living inside its unit's subtree and by
staff whose reach covers it; to anyone else every discussion endpoint answers 404."""

from __future__ import annotations

import pytest

from consultations.models import Consultation, Post

from .conftest import expect, posts_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(topic, say, neighbour):
    return say(neighbour(), topic, "楼道灯的事")


@pytest.mark.parametrize("who", ["resident2", "staff2", "newcomer"])
def test_outsiders_get_404_on_every_endpoint(api, tree, topic, post, who):
    client = api.as_user(getattr(tree, who))
    expect(client.get(posts_url(topic)), 404, "not_found")
    expect(client.post(posts_url(topic), {"body": "我也说两句"}), 404, "not_found")
    expect(client.post(f"/api/v1/posts/{post['id']}/report", {"reason": "spam"}), 404, "not_found")
    expect(client.post(f"/api/v1/posts/{post['id']}/hide", {"reason": "x"}), 404, "not_found")
    expect(client.post(f"/api/v1/posts/{post['id']}/unhide"), 404, "not_found")
    assert Post.objects.get(pk=post["id"]).status == "visible"


def test_the_queue_of_another_reach_is_404(api, tree):
    expect(api.as_user(tree.staff2).get("/api/v1/moderation/queue", {"grid": tree.micro1.pk}), 404)
    expect(api.as_user(tree.worker1).get("/api/v1/moderation/queue", {"grid": tree.street1.pk}), 404)
    expect(api.as_user(tree.worker1).get("/api/v1/moderation/queue", {"grid": tree.micro1.pk}), 200)


def test_insiders_see_the_thread(api, tree, topic, post):
    for user in (tree.resident1, tree.staff1, tree.worker1, tree.admin):
        rows = expect(api.as_user(user).get(posts_url(topic)), 200)["results"]
        assert [r["id"] for r in rows] == [post["id"]]


def test_unknown_ids_are_404(api, tree, topic):
    expect(api.as_user(tree.resident1).get(posts_url(99999999)), 404)
    expect(api.as_user(tree.staff1).post("/api/v1/posts/99999999/hide", {"reason": "x"}), 404)


def test_a_held_topics_thread_is_its_authors_and_staffs_until_released(api, tree, topic, neighbour):
    Consultation.objects.filter(pk=topic.pk).update(moderation="held")
    for user in (tree.resident1, tree.staff1, tree.worker1, tree.admin):
        expect(api.as_user(user).get(posts_url(topic)), 200)
    expect(api.as_user(neighbour()).get(posts_url(topic)), 404, "not_found")
    Consultation.objects.filter(pk=topic.pk).update(moderation="visible")
    expect(api.as_user(neighbour()).get(posts_url(topic)), 200)


def test_the_thread_pages_check_and_the_lists_rule_agree(api, tree, topic, far_topic, neighbour):
    """The thread page checks visibility with its own statement (selectors.ensure_visible); who
    sees a thread is exactly who finds its topic in the list."""
    Consultation.objects.filter(pk=far_topic.pk).update(moderation="held")
    people = [
        getattr(tree, who) for who in ("resident1", "resident2", "staff1", "staff2", "worker1", "admin", "newcomer")
    ]
    for user in [*people, neighbour(), neighbour(tree.micro2)]:
        client = api.as_user(user)
        listed = {row["id"] for row in expect(client.get("/api/v1/consultations"), 200)["results"]}
        for consultation in (topic, far_topic):
            answer = client.get(posts_url(consultation))
            assert (answer.status_code == 200) == (consultation.pk in listed), (user.pk, consultation.title)
            assert answer.status_code in (200, 404)

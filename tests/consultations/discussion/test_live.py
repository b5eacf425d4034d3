"""Live thread updates through the project's ASGI application served by uvicorn and the Redis
channel layer: a subscriber who may see the consultation receives new and moderated posts;
an outsider's subscription is refused; a held post is never pushed."""

from __future__ import annotations

import json

import pytest

from consultations.models import Consultation
from tests.notifications.test_websocket import nothing, open_socket, recv, ws_base  # noqa: F401  (fixture)
from tests.residents.factories import ResidenceFactory, UserFactory

from .conftest import expect, posts_url

pytestmark = pytest.mark.django_db(transaction=True)


def subscribe(ws, topic_id: int) -> dict:
    ws.send(json.dumps({"action": "subscribe", "topic": f"consultations.thread.{topic_id}"}))
    return recv(ws)


def test_a_new_post_reaches_the_thread_subscribers(ws_base, api, tree):  # noqa: F811
    topic = Consultation(grid=tree.micro1, author=tree.resident1, title="停车位", body="楼下车位不够。")
    topic.save()
    talker = UserFactory()
    ResidenceFactory(user=talker, grid=tree.micro1)
    with open_socket(ws_base, tree.resident1) as mine, open_socket(ws_base, tree.resident2) as theirs:
        recv(mine)
        recv(theirs)
        assert subscribe(mine, topic.pk) == {
            "type": "subscribed",
            "payload": {"topic": f"consultations.thread.{topic.pk}"},
        }
        assert subscribe(theirs, topic.pk)["payload"]["code"] == "topic_forbidden"
        expect(api.as_user(talker).post(posts_url(topic), {"body": "有需要的加微信"}), 201)  # held: not pushed
        post = expect(api.as_user(talker).post(posts_url(topic), {"body": "建议划线", "stance": "suggestion"}), 201)
        created = recv(mine)
        expect(api.as_user(tree.staff1).post(f"/api/v1/posts/{post['id']}/hide", {"reason": "重复"}), 200)
        updated = recv(mine)
        assert nothing(theirs)
    assert created["type"] == "post_created"
    assert created["payload"]["id"] == post["id"] and created["payload"]["body"] == "建议划线"
    assert updated["type"] == "post_updated"
    assert updated["payload"]["hidden"] is True and updated["payload"]["body"] == ""

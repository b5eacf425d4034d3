"""The WebSocket /ws/notifications/?token= through the real ASGI application served by uvicorn
and the Redis channel layer: a notification created by another request arrives; a missing or
bad token is refused with close code 4401."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import uvicorn
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from backend.asgi import application
from notifications import realtime
from notifications.services import notify
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def ws_base(django_db_blocker: Any) -> Iterator[str]:
    """The project's ASGI application on a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert wait_until(lambda: server.started), "the ASGI server did not start"
    yield f"ws://127.0.0.1:{port}/ws/notifications/"
    server.should_exit = True
    thread.join(timeout=10)
    # The consumers' database threads keep their connections; the test database is dropped next.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )


def open_socket(base: str, user: Any = None, token: str | None = None) -> ClientConnection:
    if user is not None:
        token = str(AccessToken.for_user(user))
    return connect(base + (f"?token={token}" if token is not None else ""), open_timeout=5)


def recv(ws: ClientConnection, timeout: float = 5) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def nothing(ws: ClientConnection, timeout: float = 0.5) -> bool:
    try:
        ws.recv(timeout=timeout)
    except TimeoutError:
        return True
    return False


@pytest.mark.parametrize("token", [None, "", "not-a-jwt"])
def test_missing_or_bad_token_is_closed_4401(ws_base, token):
    with open_socket(ws_base, token=token) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def test_an_expired_token_is_refused(ws_base, tree):
    token = AccessToken.for_user(tree.resident1)
    token.set_exp(lifetime=-timedelta(minutes=1))
    with open_socket(ws_base, token=str(token)) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd.code == 4401


def test_a_notification_from_another_request_reaches_the_socket(ws_base, api, tree):
    notify(event="group_chat_test", users=[tree.resident1], context={"chat_name": "旧消息"})
    with open_socket(ws_base, tree.resident1) as mine, open_socket(ws_base, tree.resident2) as theirs:
        ready = recv(mine)
        recv(theirs)
        body = {"grid": tree.street1.pk, "title": "停电通知", "body": "今晚 22:00 检修停电。", "channels": ["inbox"]}
        answer = api.as_user(tree.staff1).post("/api/v1/announcements", body)
        assert answer.status_code == 201, answer.content
        pushed = recv(mine)
        assert nothing(theirs)  # resident2 lives in the other street
        mine.send(json.dumps({"action": "ping"}))
        pong = recv(mine)
    assert ready == {"type": "ready", "payload": {"unread_count": 1}}
    assert pushed["type"] == "notification"
    assert pushed["payload"]["title"] == "停电通知" and pushed["payload"]["read"] is False
    assert pong == {"type": "pong", "payload": {}}
    # A client that was offline catches up through the REST inbox.
    assert len(api.as_user(tree.resident1).get("/api/v1/notifications").json()["results"]) == 2


def test_topics_follow_the_owning_apps_authorizer(ws_base, tree):
    realtime.register_topic("testround", lambda user, object_id: object_id == 1 and user.username == "resident1")
    seen = []
    with open_socket(ws_base, tree.resident1) as ws:
        recv(ws)
        for topic in ("testround.1", "testround.2", "nosuch.1", "testround.x"):
            ws.send(json.dumps({"action": "subscribe", "topic": topic}))
            seen.append(recv(ws))
        realtime.publish("testround.1", "tally", {"votes": 3})
        seen.append(recv(ws))
        ws.send(json.dumps({"action": "unsubscribe", "topic": "testround.1"}))
        seen.append(recv(ws))
        realtime.publish("testround.1", "tally", {"votes": 4})
        assert nothing(ws)
        ws.send("not json")
        seen.append(recv(ws))
    forbidden = {"type": "error", "payload": {"code": "topic_forbidden"}}
    assert seen[0] == {"type": "subscribed", "payload": {"topic": "testround.1"}}
    assert [{**s, "payload": {"code": s["payload"]["code"]}} for s in seen[1:4]] == [forbidden] * 3
    assert seen[4] == {"type": "tally", "payload": {"votes": 3}}
    assert seen[5] == {"type": "unsubscribed", "payload": {"topic": "testround.1"}}
    assert seen[6] == {"type": "error", "payload": {"code": "bad_message"}}


def test_presence_counts_open_sockets(ws_base, tree):
    with open_socket(ws_base, tree.resident1) as second:
        with open_socket(ws_base, tree.resident1) as first:
            recv(first)
            recv(second)
        # One socket closed, the other open: still online (polled until the close is processed).
        still = wait_until(
            lambda: realtime.online_user_ids([tree.resident1.pk, tree.resident2.pk]) == {tree.resident1.pk}
        )
    assert still
    assert wait_until(lambda: realtime.online_user_ids([tree.resident1.pk]) == set())

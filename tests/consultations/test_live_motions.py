"""Live motion counts through the project's ASGI application served by uvicorn and the Redis
channel layer: a watcher of the meeting receives the motion with its counts after each vote
and at its close; someone who cannot see the consultation is refused the topic."""

from __future__ import annotations

import json

import pytest

from tests.notifications.test_websocket import nothing, open_socket, recv, ws_base  # noqa: F401  (fixture)

from .conftest import ok, url

pytestmark = pytest.mark.django_db(transaction=True)


def watch(ws, meeting_id: int) -> dict:
    ws.send(json.dumps({"action": "subscribe", "topic": f"consultations.meeting.{meeting_id}"}))
    return recv(ws)


def test_votes_push_live_counts_to_the_meetings_watchers(ws_base, api, tree, meeting, attendees):  # noqa: F811
    staff = api.as_user(tree.staff1)
    with open_socket(ws_base, tree.staff1) as room, open_socket(ws_base, tree.resident2) as outsider:
        recv(room)
        recv(outsider)
        assert watch(room, meeting["id"])["type"] == "subscribed"
        assert watch(outsider, meeting["id"])["payload"]["code"] == "topic_forbidden"
        motion = ok(staff.post(url("meetings", meeting["id"], "motions"), {"text": "同意划线停车"}), 201)
        opened = recv(room)
        ok(api.as_user(attendees[0]).post(url("motions", motion["id"], "vote"), {"choice": "for"}))
        first = recv(room)
        ok(api.as_user(attendees[1]).post(url("motions", motion["id"], "vote"), {"choice": "against"}))
        second = recv(room)
        ok(staff.post(url("motions", motion["id"], "close")))
        closed = recv(room)
        assert nothing(outsider)
    assert opened["type"] == "motion_updated" and opened["payload"]["id"] == motion["id"]
    assert (opened["payload"]["for"], opened["payload"]["status"]) == (0, "open")
    assert (first["payload"]["for"], first["payload"]["against"]) == (1, 0)
    assert (second["payload"]["for"], second["payload"]["against"], second["payload"]["abstain"]) == (1, 1, 0)
    assert closed["payload"]["status"] == "closed" and closed["payload"]["passed"] is False
    assert set(first["payload"]) == set(motion)  # the REST shape, nothing about who voted

"""Live tallies through the real WebSocket consumer: the project's ASGI application driven in
process by asgiref's communicator (channels.testing needs daphne), on the Redis channel layer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken

from backend.asgi import application
from monthly import services

from .factories import candidates, make_round

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_consumer_connections(django_db_blocker: Any) -> Iterator[None]:
    yield
    # The consumer's database threads keep their connections open; end them before the flush.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )


def subscribe_then(user: Any, round_: Any, vote_as: Any = None) -> list[dict]:
    """Open a socket as `user`, subscribe to the round's topic, optionally let `vote_as` cast a
    ballot, and return what the socket received after `ready`."""

    async def scenario() -> list[dict]:
        scope = {
            "type": "websocket",
            "path": "/ws/notifications/",
            "query_string": f"token={AccessToken.for_user(user)}".encode(),
            "headers": [],
            "subprotocols": [],
        }
        socket = ApplicationCommunicator(application, scope)

        async def receive() -> dict:
            return json.loads((await socket.receive_output(5))["text"])

        await socket.send_input({"type": "websocket.connect"})
        assert (await socket.receive_output(5))["type"] == "websocket.accept"
        assert (await receive())["type"] == "ready"
        topic = {"action": "subscribe", "topic": f"monthly.round.{round_.pk}"}
        await socket.send_input({"type": "websocket.receive", "text": json.dumps(topic)})
        got = [await receive()]
        if vote_as is not None:
            await database_sync_to_async(_cast)(round_, vote_as)
            got.append(await receive())
        await socket.send_input({"type": "websocket.disconnect", "code": 1000})
        await socket.wait(5)
        return got

    return async_to_sync(scenario)()


def _cast(round_: Any, voter: Any) -> None:
    services.ballot_cast(round_id=round_.pk, voter=voter, choices=[candidates(round_)[0].pk])


def test_live_round_pushes_the_tally_to_an_eligible_resident(tree):
    round_ = make_round(scope=tree.street1, staff=tree.staff1, open_voting=True, visibility="live")
    subscribed, tally = subscribe_then(tree.resident1, round_, vote_as=tree.resident1)
    assert subscribed == {"type": "subscribed", "payload": {"topic": f"monthly.round.{round_.pk}"}}
    assert tally["type"] == "round_tally" and tally["payload"]["turnout"] == 1


def test_live_round_refuses_a_resident_of_another_street(tree):
    round_ = make_round(scope=tree.street1, staff=tree.staff1, open_voting=True, visibility="live")
    (reply,) = subscribe_then(tree.resident2, round_)
    assert reply["type"] == "error" and reply["payload"]["code"] == "topic_forbidden"


def test_after_close_round_refuses_everyone_before_the_close(tree):
    round_ = make_round(scope=tree.street1, staff=tree.staff1, open_voting=True)
    for user in (tree.resident1, tree.staff1):
        (reply,) = subscribe_then(user, round_)
        assert reply["payload"]["code"] == "topic_forbidden"

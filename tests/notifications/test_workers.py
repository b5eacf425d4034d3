"""Delivery by real Celery workers (two processes, threads pool) on PostgreSQL and Redis, to
the fake robots on loopback: exactly once normally; nothing lost when the broker is down at
commit time or a worker is killed mid-batch; the robot limit holds across both workers;
passing errors retried, permanent ones dead at once.

The workers run with short clocks (conftest.WORKER_ENV): 20 messages per 6-second window,
retries after 0.5-2 s, leases of 4 s."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from backend.celery import app as celery_app
from notifications import delivery as sending
from notifications.models import Delivery, DeliveryLog, GroupChat, Notification
from notifications.services import announcement_create, fan_out
from tests.grids.factories import GridUnitFactory

from .conftest import WORKER_WINDOW_SECONDS, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.timeout(120)]


def micro_chats(tree, make_chat, count: int, provider: str = "wecom"):
    """`count` micro-grids under grid 1, each with its own chat and robot."""
    robots = []
    for i in range(count):
        unit = GridUnitFactory(parent=tree.grid1, level="micro", code=f"{tree.grid1.code}{100 + i:03d}")
        robots.append(make_chat(unit, provider)[1])
    return robots


def announce(tree, channels=("group_chat", "inbox")):
    return announcement_create(
        actor=tree.staff1, grid=tree.street1, title="停水通知", body="明日停水。", channels=channels
    )


def all_sent() -> bool:
    return not Delivery.objects.exclude(status="sent").exists()


def chat_messages(chat: GroupChat, count: int, *, enqueue: bool = True) -> list[int]:
    """`count` test messages to `chat`, each its own committed fan-out (enqueued on commit
    unless `enqueue` is off); their delivery ids."""
    ids = []
    for i in range(count):
        with transaction.atomic():
            sent = fan_out(
                event="group_chat_test",
                chats=GroupChat.objects.filter(pk=chat.pk),
                channels={"group_chat"},
                context={"chat_name": f"{i}"},
                enqueue=enqueue,
            )
        ids += Delivery.objects.filter(message=sent.message).values_list("pk", flat=True)
    return ids


def workers_have_moved_on(tree, make_chat) -> None:
    """The positive sentinel of a "nothing (more) happens" check: a message sent now, through
    the same broker to a chat of its own, has been delivered, so the workers have taken up and
    finished work queued after everything the test did before (a sleep would only guess)."""
    unit = GridUnitFactory(parent=tree.grid2, level="micro", code=f"{tree.grid2.code}900")
    chat, robot = make_chat(unit)
    chat_messages(chat, 1)
    assert wait_for(lambda: len(robot.messages) == 1, timeout=120)


def test_every_delivery_reaches_its_chat_exactly_once(live_celery, tree, make_chat):
    robots = micro_chats(tree, make_chat, 30)
    announce(tree)
    assert wait_for(all_sent, timeout=120)
    workers_have_moved_on(tree, make_chat)  # anything sent twice would have arrived by now
    assert [len(r.messages) for r in robots] == [1] * 30
    assert Delivery.objects.filter(attempts=1).count() == 30 + 1  # and the sentinel's
    assert Notification.objects.filter(user=tree.resident1).count() == 1


@contextmanager
def broker_down() -> Iterator[None]:
    """Point this process's producer at a closed port (the workers keep their broker)."""

    def reset() -> None:
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    celery_app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    reset()
    try:
        yield
    finally:
        celery_app.conf.broker_write_url = None
        reset()


def test_nothing_lost_when_the_broker_is_down_at_commit(live_celery, tree, make_chat):
    robots = micro_chats(tree, make_chat, 5)
    with broker_down():
        announce(tree)  # commits; enqueueing on commit fails and is logged
    workers_have_moved_on(tree, make_chat)
    assert Delivery.objects.filter(status="pending").count() == 5
    assert all(r.messages == [] for r in robots)
    # The sweeper (every 30 s from beat) finds them once they are a minute overdue.
    assert sending.sweep_pending() == 0
    assert sending.sweep_pending(now=timezone.now() + timedelta(minutes=2)) == 5
    assert wait_for(all_sent, timeout=120)
    assert [len(r.messages) for r in robots] == [1] * 5


@pytest.mark.fault  # SIGKILL mid fan-out: part of the fault suite too
@pytest.mark.timeout(300)  # a worker restarts afterwards; slow on a busy machine
def test_killed_mid_batch_nothing_lost_and_nothing_recorded_is_sent_again(live_celery, tree, make_chat, settings):
    """A worker is SIGKILLed while its batches are in flight (each robot answers after 0.4 s).
    Every delivery ends `sent` with exactly one `succeed` record; a chat gets its message a
    second time only if that message was in flight, unrecorded, when the worker died (a robot
    has no idempotency key), never once it was recorded."""
    settings.DELIVERY_TASK_CHUNK = 5  # eight batches, spread over both workers
    robots = micro_chats(tree, make_chat, 40)
    for robot in robots:
        robot.behaviour["hang"] = 0.4
    announce(tree, channels=("group_chat",))
    victim = live_celery.alive()[0]
    assert wait_for(lambda: sum(len(r.messages) for r in robots) >= 4, timeout=120)
    live_celery.kill(victim)
    in_flight = set(
        Delivery.objects.filter(status__in=["pending", "failed"])
        .exclude(lease_token="")
        .values_list("chat__webhook_url", flat=True)
    )

    # Its claimed deliveries come back when their lease ends: the sweeper re-enqueues them.
    def swept_and_sent() -> bool:
        sending.sweep_pending(now=timezone.now() + timedelta(minutes=2))
        return all_sent()

    assert wait_for(swept_and_sent, timeout=180, step=1.0)
    workers_have_moved_on(tree, make_chat)  # a repeat, if any, would have arrived by now
    counts = {r.token: len(r.messages) for r in robots}
    assert min(counts.values()) == 1  # none lost
    twice = {token for token, n in counts.items() if n > 1}
    assert all(n <= 2 for n in counts.values())
    assert all(any(token in url for url in in_flight) for token in twice), (twice, in_flight)
    succeeded = DeliveryLog.objects.filter(action="succeed").values("delivery").annotate(n=Count("pk"))
    assert sorted(row["n"] for row in succeeded) == [1] * (40 + 1)  # and the sentinel's
    live_celery.ensure(2)


def test_robot_limit_holds_within_one_batch(live_celery, tree, make_chat, robots):
    """45 messages to one robot in one task: the batch sends 20, the rest wait for the window."""
    robots.window = WORKER_WINDOW_SECONDS
    chat, robot = make_chat(tree.street1, "wecom")
    ids = chat_messages(chat, 45, enqueue=False)
    assert sending.enqueue(ids)  # one task message: DELIVERY_TASK_CHUNK is 100
    assert wait_for(all_sent, timeout=180, step=0.5)
    assert len(robot.messages) == 45
    assert robot.refused == []
    assert robot.max_in_window(WORKER_WINDOW_SECONDS) <= 20


def test_robot_limit_holds_across_two_workers(live_celery, tree, make_chat, robots):
    robots.window = WORKER_WINDOW_SECONDS  # the fake robot enforces 20 per window too
    chat, robot = make_chat(tree.street1, "dingtalk", secret="SEC-limit")
    chat_messages(chat, 45)
    assert wait_for(all_sent, timeout=180, step=0.5)
    assert len(robot.messages) == 45
    assert robot.refused == []  # the robot never had to say "too fast"
    assert robot.max_in_window(WORKER_WINDOW_SECONDS) <= 20
    # 45 messages need three windows; both workers sent some.
    assert max(robot.arrivals) - min(robot.arrivals) >= 2 * WORKER_WINDOW_SECONDS * 0.9


def test_passing_errors_are_retried_and_permanent_ones_dead_at_once(live_celery, tree, make_chat):
    flaky, permanent = micro_chats(tree, make_chat, 2)
    flaky.behaviour.update(fail=2, errcode="503")
    permanent.behaviour.update(fail=1, errcode=93000)
    announce(tree, channels=("group_chat",))
    assert wait_for(lambda: Delivery.objects.filter(status__in=["sent", "dead"]).count() == 2, timeout=120)
    rows = {d.chat.webhook_url: d for d in Delivery.objects.select_related("chat")}
    states = sorted((d.status, d.attempts) for d in rows.values())
    assert states == [("dead", 1), ("sent", 3)]
    assert len(flaky.messages) == 1 and permanent.messages == []

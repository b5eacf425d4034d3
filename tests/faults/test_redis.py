"""Redis (cache, throttles, channel layer and broker) stopped and restarted under load, with
the production server (granian WSGI) and a Celery threads worker on it:

- no request answers 500; while Redis is down the API keeps answering (throttles fall back to
  per-process counters), /healthz answers 503 naming cache and broker, and anything that
  needs Redis answers 503 with Retry-After;
- every ballot a voter retried until it was answered is counted, exactly once;
- the worker is alive afterwards and consumes again: every delivery of an announcement made
  while Redis was going down is sent (the sweeper re-enqueues what the outage dropped)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from backend.celery import app as celery_app
from monthly.models import Ballot
from notifications import delivery as sending
from notifications.models import Delivery, GroupChat
from tests.fakes.robots import FakeRobots
from tests.grids.factories import GridUnitFactory
from tests.monthly.factories import candidates, make_round
from tests.notifications.conftest import WORKER_ENV, Workers
from tests.residents.factories import ResidenceFactory, UserFactory

from .conftest import RedisServer, Server, run_database_url, server_env, wait_until

pytestmark = [pytest.mark.fault, pytest.mark.worker, pytest.mark.timeout(300)]

VOTERS = 40
CHATS = 12


@pytest.fixture
def stack(redis_server: RedisServer, transactional_db: Any, settings: Any) -> Iterator[dict[str, Any]]:
    robots = FakeRobots().start()
    settings.ROBOT_WEBHOOK_EXTRA_HOSTS = ["127.0.0.1"]
    env = server_env(
        DATABASE_URL=run_database_url(),
        REDIS_URL=redis_server.url(0),
        CELERY_BROKER_URL=redis_server.url(1),
        **WORKER_ENV,
    )
    server = Server(env, threads=8)
    workers = Workers({**env, "DB_POOL_TIMEOUT": "10", "LOG_LEVEL": "INFO"})
    eager = celery_app.conf.task_always_eager
    try:
        worker = workers.start(concurrency=4)
        # This process publishes (the sweeper below) to the same broker as the server.
        celery_app.conf.broker_url = celery_app.conf.broker_write_url = redis_server.url(1)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app.conf.task_always_eager = False
        yield {"server": server, "workers": workers, "worker": worker, "robots": robots, "redis": redis_server}
    finally:
        celery_app.conf.task_always_eager = eager
        celery_app.conf.broker_url = settings.CELERY_BROKER_URL
        celery_app.conf.broker_write_url = None
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        workers.stop_all()
        server.stop()
        robots.stop()


def bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}


def test_redis_outage_under_load(stack, tree):
    server, redis_server, robots = stack["server"], stack["redis"], stack["robots"]
    round_ = make_round(scope=tree.street1, staff=tree.staff1, open_voting=True)
    first = candidates(round_)[0]
    voters = [UserFactory() for _ in range(VOTERS)]
    for voter in voters:
        ResidenceFactory(user=voter, grid=tree.micro1)
    chat_robots = []
    for i in range(CHATS):
        unit = GridUnitFactory(parent=tree.grid1, level="micro", code=f"{tree.grid1.code}{500 + i:03d}")
        robot, hook = robots.add("wecom")
        GroupChat(grid=unit, name=f"群{i}", provider="wecom", webhook_url=hook).save()
        chat_robots.append(robot)

    codes: Counter[int] = Counter()
    lock = threading.Lock()
    done: set[int] = set()
    stop = threading.Event()

    def record(status: int) -> None:
        with lock:
            codes[status] += 1

    def vote(voter: Any) -> None:
        with httpx.Client(base_url=server.url, headers=bearer(voter), timeout=10) as client:
            while not stop.is_set():
                answer = client.post(f"/api/v1/monthly/rounds/{round_.pk}/ballot", json={"choices": [first.pk]})
                record(answer.status_code)
                if answer.status_code == 503:
                    assert int(answer.headers["Retry-After"]) > 0
                if answer.status_code in (201, 409):
                    with lock:
                        done.add(voter.pk)
                    return
                time.sleep(0.2)

    def browse(user: Any) -> None:
        with httpx.Client(base_url=server.url, headers=bearer(user), timeout=10) as client:
            while not stop.is_set():
                record(client.get("/api/v1/me").status_code)
                record(client.get("/api/v1/notifications").status_code)
                time.sleep(0.05)

    browsers = [threading.Thread(target=browse, args=(u,), daemon=True) for u in (tree.resident1, tree.staff1)]
    voting = [threading.Thread(target=vote, args=(v,), daemon=True) for v in voters[: VOTERS // 2]]
    late = [threading.Thread(target=vote, args=(v,), daemon=True) for v in voters[VOTERS // 2 :]]
    try:
        for t in browsers:
            t.start()
        with httpx.Client(base_url=server.url, headers=bearer(tree.staff1), timeout=10) as staff:
            body = {"grid": tree.grid1.pk, "title": "停水通知", "body": "明日停水。", "channels": ["group_chat"]}
            announced = staff.post("/api/v1/announcements", json=body)
            assert announced.status_code == 201, announced.text
        for t in voting:
            t.start()
        redis_server.stop()  # mid fan-out and mid vote
        try:
            # The API keeps answering (throttles fall back to per-process counters); what
            # needs Redis says so: the health check names cache and broker with a 503.
            def health_down() -> bool:
                health = httpx.get(f"{server.url}/healthz", timeout=5)
                record(health.status_code)
                return health.status_code == 503 and {"cache", "broker"} <= set(health.json()["failing"])

            assert wait_until(health_down, timeout=30), codes
            for t in late:
                t.start()
            with httpx.Client(base_url=server.url, headers=bearer(tree.staff1), timeout=10) as staff:
                during = staff.post("/api/v1/announcements", json={**body, "title": "停电通知"})
                record(during.status_code)  # committed; enqueueing failed and is left to the sweeper
            time.sleep(2)  # hold the outage while requests keep coming
        finally:
            redis_server.start()
        for t in voting + late:
            t.join(120)
    finally:
        stop.set()
        for t in browsers:
            t.join(30)

    assert codes[500] == 0, codes
    assert codes[503] > 0, codes
    assert done == {v.pk for v in voters}
    assert Ballot.objects.filter(round=round_).count() == VOTERS

    # The worker survived the outage and consumes again.
    assert stack["worker"] in stack["workers"].alive(), stack["workers"].logs[stack["worker"]].read_text()[-3000:]

    def swept_and_sent() -> bool:
        sending.sweep_pending(now=timezone.now() + timedelta(minutes=2))
        return not Delivery.objects.exclude(status="sent").exists()

    worker_log = stack["workers"].logs[stack["worker"]]
    assert wait_until(swept_and_sent, timeout=120, step=1.0), (
        Counter(Delivery.objects.values_list("status", "attempts")),
        __import__("redis").Redis.from_url(redis_server.url(1)).llen("celery"),
        worker_log.read_text(errors="replace")[-4000:],
    )
    counts = [len(r.messages) for r in chat_robots]
    assert min(counts) >= 2, counts  # none lost: both announcements reached every chat
    # Duplicates are bounded by what the worker had in flight when the connection dropped.
    assert sum(counts) - 2 * CHATS <= 4, counts
    assert stack["worker"] in stack["workers"].alive()
    log = stack["workers"].logs[stack["worker"]].read_text(errors="replace")
    assert "Unrecoverable error" not in log

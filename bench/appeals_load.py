#!/usr/bin/env python3
"""Appeals under load, through the production server setup.

    .venv/bin/python bench/appeals_load.py [--appeals 200000] [--submits 2000] [--concurrency 16]

1. Builds the seed_demo district in its own PostgreSQL database (yd_bench_appeals) and bulk
   inserts --appeals appeals (with their timeline rows) spread over its micro-grids and the
   last 180 days (skipped when they are already there).
2. Starts the production server setup (bench/production.py: granian WSGI workers, DEBUG off,
   PostgreSQL with the per-process pool, Redis) on a free port.
3. Measures appeals submitted per second over HTTP (concurrent clients, each a different
   resident so no per-user throttle is hit), then the p50/p99 latency of a street staff
   member's queue page (first page, a filtered page, the next page by cursor).
Prints the figures. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import production  # noqa: E402

DB_NAME = "yd_bench_appeals"
ENV = {
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "DEV_KEYS": "1",  # not a deployment: development field keys are fine
    "REDIS_URL": "redis://127.0.0.1:6379/4",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/5",
    "CACHE_KEY_PREFIX": "bench-appeals",
    "CHANNELS_PREFIX": "bench-appeals",
    "DEBUG": "0",
    "SECRET_KEY": "bench-appeals-not-a-real-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    # Behind the load balancer that terminates TLS; the bench speaks plain HTTP on loopback.
    "SECURE_SSL_REDIRECT": "0",
    "LOG_LEVEL": "WARNING",
    # One staff member pages the queue hundreds of times a minute here; a person would not.
    "THROTTLE_USER": "1000000/min",
    "MEDIA_ROOT": "/tmp/yd-bench-appeals-media",
    "DJANGO_SETTINGS_MODULE": "backend.settings",
}
CATEGORIES = ["environment", "facilities", "neighbour", "safety", "property", "utilities", "policy", "other"]
STATUSES = ["submitted"] * 2 + ["accepted"] * 3 + ["resolved"] * 2 + ["closed"] * 6 + ["rejected"]


def log(message: str) -> None:
    print(message, flush=True)


def ensure_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def setup_django() -> None:
    os.environ.update(ENV)
    import django

    django.setup()


def seed(appeals: int, residents: int) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", residents=residents, stdout=open(os.devnull, "w"))
    bulk_appeals(appeals)


def bulk_appeals(total: int) -> None:
    """Insert appeals as residents would have made them, numbered per day like the service."""
    from django.db import transaction
    from django.utils import timezone

    from appeals.deadlines import due_dates
    from appeals.models import Appeal, AppealEvent, AppealNumberCounter
    from grids.models import GridUnit
    from residents.models import Residence

    have = Appeal.objects.count()
    if have >= total:
        log(f"appeals: {have} already there")
        return
    started = time.monotonic()
    rng = random.Random(42)
    homes = list(
        Residence.objects.filter(status="verified", user__username__startswith="demo_resident_").values_list(
            "user_id", "grid_id"
        )[:20000]
    )
    units = {u.pk: u for u in GridUnit.objects.filter(level__in=["micro", "grid"])}
    now = timezone.now()
    days: dict = {}
    batch_size = 5000
    for start in range(have, total, batch_size):
        rows = []
        for i in range(start, min(start + batch_size, total)):
            user_id, home_id = homes[i % len(homes)]
            home = units[home_id]
            handling = units[home.parent_id]
            created = now - timedelta(days=1 + (i * 7919) % 180, seconds=rng.randrange(86400))
            day = timezone.localtime(created).date()
            if day not in days:
                days[day] = AppealNumberCounter.objects.filter(day=day).values_list("last", flat=True).first() or 0
            days[day] += 1
            category = CATEGORIES[i % len(CATEGORIES)]
            status = STATUSES[rng.randrange(len(STATUSES))]
            accept_due, due = due_dates(category=category, level="grid", start=created)
            rows.append(
                Appeal(
                    number=f"SQ{day:%Y%m%d}-{days[day]:06d}",
                    submitter_id=user_id,
                    category=category,
                    title=f"{category} 诉求 {i}",
                    description="压测数据：楼道照明、垃圾清运、噪音扰民等日常诉求。",
                    grid=home,
                    grid_path=home.path,
                    handling_grid=handling,
                    handling_path=handling.path,
                    level="grid",
                    status=status,
                    is_public=i % 3 == 0,
                    accept_due_at=accept_due,
                    due_at=due,
                    is_overdue=status in {"submitted", "accepted"} and due < now,
                    created_at=created,
                )
            )
        with transaction.atomic():
            made = Appeal.objects.bulk_create(rows, batch_size=batch_size)
            AppealEvent.objects.bulk_create(
                [
                    AppealEvent(
                        appeal_id=a.pk, action="submit", actor_id=a.submitter_id, to_status="submitted", at=a.created_at
                    )
                    for a in made
                ],
                batch_size=batch_size,
            )
            for day, last in days.items():
                AppealNumberCounter.objects.update_or_create(day=day, defaults={"last": last})
        log(f"  appeals: {min(start + batch_size, total)}/{total}")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE appeals_appeal; ANALYZE appeals_appealevent")
    log(f"appeals: {total - have} inserted in {time.monotonic() - started:.0f}s")


def free_port(preferred: int = 18050) -> int:
    for port in [preferred, *range(preferred + 1, preferred + 50)]:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port")


def tokens(count: int) -> tuple[list[str], str]:
    """Access tokens for `count` demo residents and for the demo street staff member."""
    from rest_framework_simplejwt.tokens import RefreshToken

    from residents.models import User

    residents = list(User.objects.filter(username__startswith="demo_resident_").order_by("pk")[:count])
    staff = User.objects.get(username="demo_staff")
    return [str(RefreshToken.for_user(u).access_token) for u in residents], str(
        RefreshToken.for_user(staff).access_token
    )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


async def run_submits(base: str, resident_tokens: list[str], total: int, concurrency: int) -> dict:
    import httpx

    latencies: list[float] = []
    failures: dict[int, int] = {}
    counter = iter(range(total))

    async def client_loop(client: httpx.AsyncClient) -> None:
        for i in counter:
            body = {
                "category": CATEGORIES[i % len(CATEGORIES)],
                "title": f"压测诉求 {i}",
                "description": "小区门口路灯不亮，晚上出行不便，请尽快维修。",
                "address": "3号楼东侧",
                "location": {"lat": "34.750000", "lng": "113.620000"},
                "is_public": i % 2 == 0,
            }
            headers = {"Authorization": f"Bearer {resident_tokens[i % len(resident_tokens)]}"}
            t0 = time.perf_counter()
            response = await client.post(f"{base}/api/v1/appeals", json=body, headers=headers)
            latencies.append(time.perf_counter() - t0)
            if response.status_code != 201:
                failures[response.status_code] = failures.get(response.status_code, 0) + 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"elapsed": elapsed, "latencies": latencies, "failures": failures, "total": total}


async def run_queue(base: str, token: str, paths: list[str], rounds: int, concurrency: int) -> dict[str, list[float]]:
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    results: dict[str, list[float]] = {p: [] for p in paths}
    async with httpx.AsyncClient(timeout=60, headers=headers) as client:
        jobs = [p for _ in range(rounds) for p in paths]
        queue = iter(jobs)

        async def loop() -> None:
            for path in queue:
                t0 = time.perf_counter()
                response = await client.get(base + path if path.startswith("/") else path)
                results[path].append(time.perf_counter() - t0)
                assert response.status_code == 200, response.text[:300]

        await asyncio.gather(*(loop() for _ in range(concurrency)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=200_000)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--submits", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--queue-requests", type=int, default=600)
    parser.add_argument("--queue-concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--server-threads", type=int, default=2)
    parser.add_argument("--server", choices=production.KINDS, default="granian")
    args = parser.parse_args()

    ensure_database()
    setup_django()
    seed(args.appeals, args.residents)
    from appeals.models import Appeal
    from grids.models import GridUnit

    street = GridUnit.objects.filter(level="street").order_by("path").first()
    in_street = Appeal.objects.filter(handling_path__startswith=street.path).count()
    resident_tokens, staff_token = tokens(400)
    before = Appeal.objects.count()

    port = free_port()
    log("load average before: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    log(f"server: {args.server}, {args.workers} workers x {args.server_threads} threads on :{port}")
    server = production.start(
        kind=args.server, port=port, workers=args.workers, threads=args.server_threads, env={**os.environ, **ENV}
    )
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(run_submits(base, resident_tokens, 100, args.concurrency))  # warm-up
        submits = asyncio.run(run_submits(base, resident_tokens, args.submits, args.concurrency))
        import httpx

        first = httpx.get(f"{base}/api/v1/appeals", headers={"Authorization": f"Bearer {staff_token}"}).json()
        next_page = first["next"].replace(base, "")
        paths = ["/api/v1/appeals", "/api/v1/appeals?status=submitted&category=safety", next_page]
        asyncio.run(run_queue(base, staff_token, paths, 10, args.queue_concurrency))  # warm-up
        queue = asyncio.run(
            run_queue(base, staff_token, paths, args.queue_requests // len(paths), args.queue_concurrency)
        )
    finally:
        production.stop(server)

    made = Appeal.objects.count() - before
    lat = submits["latencies"]
    log("")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    log(f"== appeals benchmark: 2 CPU cores shared by server, client, PostgreSQL and Redis (load average now {load})")
    log(f"database: {Appeal.objects.count():,} appeals; street {street.name}: {in_street:,} handled in its subtree")
    log(
        f"submit  POST /api/v1/appeals: {submits['total']} requests, {args.concurrency} concurrent clients, "
        f"{submits['total'] / submits['elapsed']:.0f} appeals/s "
        f"(p50 {pct(lat, 50):.0f} ms, p99 {pct(lat, 99):.0f} ms); created {made}, failures {submits['failures'] or 'none'}"
    )
    names = {paths[0]: "queue page 1", paths[1]: "filtered (status+category)", paths[2]: "next page (cursor)"}
    for path, values in queue.items():
        log(
            f"street staff {names[path]:<28} GET: n={len(values)}, {args.queue_concurrency} concurrent, "
            f"p50 {pct(values, 50):.1f} ms, p99 {pct(values, 99):.1f} ms, mean {statistics.mean(values) * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Appeals under load, through the production server setup, against the bare view.

    .venv/bin/python bench/appeals_load.py [--appeals 200000] [--duration 15] [--connections 16]

1. Builds the seed_demo district in its own PostgreSQL database (BENCH_DATABASE_URL, default
   yd_bench_appeals) and bulk inserts --appeals appeals (with their timeline rows) spread over
   its micro-grids and the last 180 days (skipped when they are already there).
2. Measures the bare view (bench/harness.py) under the same server, flags and client.
3. Starts the production server setup (bench/production.py: granian WSGI workers, DEBUG off,
   PostgreSQL with the per-process pool, Redis BENCH_REDIS_URL/BENCH_BROKER_URL) and measures:
   appeals submitted per second (JSON, no photo; each request a different resident) at
   --connections and at twice as many; the photo path (a 2 MB JPEG uploaded, then linked to a
   new appeal) as photos per second; the p50/p99 latency of a street staff member's queue
   (first page, a filtered page, the next page by cursor).
4. Checks that every stored appeal number is unique.
Prints the figures and their ratio to the bare view. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import harness, production  # noqa: E402

DB_URL = harness.database_url("yd_bench_appeals")
ENV = {
    "DATABASE_URL": DB_URL,
    "DEV_KEYS": "1",  # not a deployment: development field keys are fine
    **harness.redis_env(default_db=4),
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


def tokens(count: int) -> tuple[list[str], str]:
    """Access tokens for `count` demo residents and for the demo street staff member."""
    from rest_framework_simplejwt.tokens import RefreshToken

    from residents.models import User

    residents = list(User.objects.filter(username__startswith="demo_resident_").order_by("pk")[:count])
    staff = User.objects.get(username="demo_staff")
    return [str(RefreshToken.for_user(u).access_token) for u in residents], str(
        RefreshToken.for_user(staff).access_token
    )


def submit_bodies() -> list[str]:
    return [
        json.dumps(
            {
                "category": CATEGORIES[i % len(CATEGORIES)],
                "title": f"压测诉求 {i}",
                "description": "小区门口路灯不亮，晚上出行不便，请尽快维修。",
                "address": "3号楼东侧",
                "location": {"lat": "34.750000", "lng": "113.620000"},
                "is_public": i % 2 == 0,
            },
            ensure_ascii=False,
        )
        for i in range(16)
    ]


def photo_jpeg(target: int = 2_000_000) -> bytes:
    """A phone-sized photo of about `target` bytes (noise compresses poorly, like a real scene)."""
    from PIL import Image

    side = 900
    while True:
        noise = [Image.effect_noise((side, side * 3 // 4), 60 + 20 * i) for i in range(3)]
        out = io.BytesIO()
        Image.merge("RGB", noise).save(out, "JPEG", quality=92)
        if out.tell() >= target * 0.95:
            return out.getvalue()
        side = int(side * (target / out.tell()) ** 0.5 * 1.05)


async def run_photos(base: str, resident_tokens: list[str], seconds: float, concurrency: int) -> dict:
    """Each loop: upload the photo (multipart), then submit an appeal linking it."""
    import httpx

    photo = photo_jpeg()
    latencies: list[float] = []
    failures: dict[str, int] = {}
    serial = iter(range(1 << 30))
    deadline = time.perf_counter() + seconds

    async def loop(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            i = next(serial)
            headers = {"Authorization": f"Bearer {resident_tokens[i % len(resident_tokens)]}"}
            t0 = time.perf_counter()
            up = await client.post(f"{base}/api/v1/attachments", files={"file": ("p.jpg", photo)}, headers=headers)
            if up.status_code != 201:
                failures[f"upload {up.status_code}"] = failures.get(f"upload {up.status_code}", 0) + 1
                continue
            body = json.loads(submit_bodies()[i % 16]) | {"attachments": [up.json()["id"]]}
            made = await client.post(f"{base}/api/v1/appeals", json=body, headers=headers)
            if made.status_code != 201:
                failures[f"appeal {made.status_code}"] = failures.get(f"appeal {made.status_code}", 0) + 1
                continue
            latencies.append(time.perf_counter() - t0)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=60, limits=limits, headers={"X-Forwarded-Proto": "https"}) as client:
        await asyncio.gather(*(loop(client) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return {
        "rate": len(latencies) / elapsed,
        "done": len(latencies),
        "bytes": len(photo),
        "p50_ms": ordered[len(ordered) // 2] * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "failures": failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=200_000)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=15, help="seconds of each submission run")
    parser.add_argument("--photo-duration", type=int, default=10)
    parser.add_argument("--photo-concurrency", type=int, default=8)
    parser.add_argument("--queue-duration", type=int, default=4, help="seconds per queue page")
    parser.add_argument("--queue-connections", type=int, default=4)
    harness.add_server_args(parser, port=18050, connections=16)
    args = parser.parse_args()

    log(harness.machine_line())
    harness.ensure_database(DB_URL)
    setup_django()
    seed(args.appeals, args.residents)
    from django.db.models import Count

    from appeals.models import Appeal
    from grids.models import GridUnit

    street = GridUnit.objects.filter(level="street").order_by("path").first()
    in_street = Appeal.objects.filter(handling_path__startswith=street.path).count()
    resident_tokens, staff_token = tokens(4000)
    before = Appeal.objects.count()

    bare = harness.bare_from_args(args)
    port = args.port
    log(f"server: {args.server}, {args.workers} workers x {args.server_threads} threads on :{port}")
    server = production.start(
        kind=args.server, port=port, workers=args.workers, threads=args.server_threads, env={**os.environ, **ENV}
    )
    base = f"http://127.0.0.1:{port}"
    submit = harness.Load("POST", "/api/v1/appeals", tokens=resident_tokens, bodies=submit_bodies())
    runs: dict[int, dict] = {}
    try:
        # Warm-up: each worker's first requests import and connect (seconds on a loaded machine);
        # wrk reports nothing at all when no request completes within its run.
        harness.load(port, submit, connections=args.workers, seconds=6, client=args.client)
        meter = harness.CpuMeter(server, database=DB_URL.rsplit("/", 1)[1])
        for connections in (args.connections, 2 * args.connections):
            runs[connections] = harness.load(
                port, submit, connections=connections, seconds=args.duration, meter=meter, client=args.client
            )
        photos = asyncio.run(run_photos(base, resident_tokens, args.photo_duration, args.photo_concurrency))
        import httpx

        first = httpx.get(f"{base}/api/v1/appeals", headers={"Authorization": f"Bearer {staff_token}"}).json()
        paths = ["/api/v1/appeals", "/api/v1/appeals?status=submitted&category=safety", first["next"].replace(base, "")]
        queue = {
            path: harness.load(
                port,
                harness.Load("GET", path, tokens=[staff_token]),
                connections=args.queue_connections,
                seconds=args.queue_duration,
                client=args.client,
            )
            for path in paths
        }
    finally:
        production.stop(server)

    made = Appeal.objects.count() - before
    duplicates = Appeal.objects.values("number").annotate(n=Count("pk")).filter(n__gt=1).count()
    log("")
    log(f"database: {Appeal.objects.count():,} appeals; street {street.name}: {in_street:,} handled in its subtree")
    for connections, result in runs.items():
        log(harness.describe(f"submit -c{connections}", result, "appeals/s"))
        log(harness.ratio_line("", result["ok_rate"], bare["rate"]))
        log(harness.cpu_line("submit", result))
    log(
        f"photos -c{args.photo_concurrency}     {photos['rate']:8.1f} photos/s (a {photos['bytes'] / 1e6:.1f} MB JPEG"
        f" uploaded, then an appeal linking it) p50 {photos['p50_ms']:.0f} ms p99 {photos['p99_ms']:.0f} ms;"
        f" {photos['done']} done, failures {photos['failures'] or 'none'}"
    )
    log(f"appeals created {made}; numbers stored twice: {duplicates}")
    names = {paths[0]: "queue page 1", paths[1]: "queue filtered", paths[2]: "queue next page"}
    for path, result in queue.items():
        log(harness.describe(names[path], result))
    low, high = runs[args.connections], runs[2 * args.connections]
    log(
        f"goal            >=400 appeals/s: {'met' if low['ok_rate'] >= 400 else 'missed'};"
        f" >=0.07x bare: {'met' if low['ok_rate'] >= 0.07 * bare['rate'] else 'missed'};"
        f" p99 <=150 ms: {'met' if low['p99_ms'] <= 150 else 'missed'};"
        f" 2x connections not slower: {'met' if high['ok_rate'] >= 0.95 * low['ok_rate'] else 'missed'}"
    )
    log(harness.machine_line())


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""协商议事 benchmark: a district with 2,000 consultations and 200,000 posts; the thread page
(first page, and a cursor page deep in a 5,000-post thread), the scoped consultation list, and
posting with the local word-list check on, over HTTP through the production server setup,
against the bare view (bench/harness.py) under the same server, flags and load generator.

    .venv/bin/python bench/consultations_thread.py
    .venv/bin/python bench/consultations_thread.py --duration 10 --connections 8 --workers 4

Environment: BENCH_DATABASE_URL (default the local yd_bench_consult), BENCH_REDIS_URL and
BENCH_BROKER_URL (default dbs 12 and 13 of the local Redis; flushed at the start).

One run:
1. the benchmark's database (created and migrated when missing); the district's real grid shape,
   RESIDENTS verified residents, 2,000 consultations over its communities and micro-grids and
   200,000 posts (one thread of 5,000, in reply chains three deep), by COPY, only once;
2. the bare view (harness.bare: same server, flags, client and connections);
3. the project's production server (bench/production.py) and, each request a different
   resident: the 5,000-post thread's first page; a cursor page 4,000 posts deep; the
   consultation list as residents and as street staff; new posts (word list on, WeChat not
   configured) by the residents of one community on its topic. Goals: p99 <= 50 ms for the
   pages and the list. Each phase prints its rate, p50/p99, its ratio to the bare view and its
   CPU per request (server, PostgreSQL backends, client);
4. the posts written by the run are removed again (the seeded data stays for the next run).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import harness, production  # noqa: E402

DB_URL = harness.database_url("yd_bench_consult")
DB_NAME = DB_URL.rsplit("/", 1)[1]
CONSULTATIONS = 2_000
POSTS = 200_000
BIG_THREAD = 5_000
RESIDENTS = 20_000
TITLE = "[压测] 议题"
GOAL_MS = 50

POST_BODIES = [
    "同意，楼道灯确实该修了，晚上太黑。",
    "建议物业先排查线路，再统一更换。",
    "我家老人晚上出门不方便，支持尽快解决。",
    "可以考虑装声控灯，省电也方便。",
    "费用怎么分摊？希望公示一下。",
    "周末我可以帮忙登记各户意见。",
]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=int, default=10, help="seconds of each measured phase")
    harness.add_server_args(p, port=8220, connections=8)
    return p.parse_args()


def bench_env() -> dict[str, str]:
    return harness.server_env(
        database_url=DB_URL,
        redis_db=12,
        name="consult",
        WECHAT_APPID="",  # the local word list only: the outside call is not ours to measure
        # A few street staff read the list many times a second: per-user throttles would
        # answer 429 to the load generator, which is not what is measured.
        THROTTLE_USER="10000000/min",
    )


# --- the data ------------------------------------------------------------------------------


def seed() -> dict:
    """The district, residents, consultations and posts (only what is missing); what the load needs."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from consultations.models import Consultation, Post
    from grids.demo import build_district
    from grids.models import Assignment, Role
    from residents.demo import ensure_residents
    from residents.models import Residence, User

    started = time.monotonic()
    with transaction.atomic():
        shape = build_district()
        created = ensure_residents(RESIDENTS, shape["micro"])
    communities, micros = shape["community"], shape["micro"]
    home = dict(Residence.objects.filter(status="verified").values_list("user_id", "grid_path"))
    if not Consultation.objects.filter(title__startswith=TITLE).exists():
        _seed_threads(communities, micros, home)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE consultations_consultation; ANALYZE consultations_post")
    big = Consultation.objects.filter(title__startswith=TITLE).order_by("pk").first()
    seeded_max = Post.objects.order_by("-pk").values_list("pk", flat=True).first()
    print(
        f"seed: {created} residents created; {Consultation.objects.count()} consultations,"
        f" {Post.objects.count()} posts ({time.monotonic() - started:.1f}s)",
        flush=True,
    )
    staff = []
    for street in shape["street"][:4]:
        user, _ = User.objects.get_or_create(
            username=f"bench_staff_{street.code}", defaults={"password": make_password(None), "name": "街道干部"}
        )
        Assignment.objects.get_or_create(user=user, unit=street, role=Role.STAFF)
        staff.append(user.pk)
    by_community = {}
    for pk, path in Consultation.objects.filter(title__startswith=TITLE, level="community").values_list(
        "pk", "grid_path"
    ):
        by_community.setdefault(path, pk)
    return {"big": big, "seeded_max": seeded_max, "home": home, "staff": staff, "by_community": by_community}


def _seed_threads(communities: list, micros: list, home: dict[int, str]) -> None:
    """2,000 consultations (half at communities, half at micro-grids) and 200,000 posts by COPY,
    with ids chosen here so the thread keys (consultations.discussion.selectors.thread_key's
    shape) are written with the rows."""
    from django.db import connection
    from django.utils import timezone

    from consultations.models import Consultation

    rng = random.Random(7)
    authors_by_prefix: dict[str, list[int]] = {}
    for user_id, path in home.items():
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            authors_by_prefix.setdefault("/" + "/".join(parts[:depth]) + "/", []).append(user_id)
    now = timezone.now()
    units = [communities[i % len(communities)] for i in range(CONSULTATIONS // 2)]
    units += [micros[(i * 7) % len(micros)] for i in range(CONSULTATIONS - len(units))]
    rows = []
    for i, unit in enumerate(units):
        authors = authors_by_prefix.get(unit.path) or list(home)[:1]
        topic = Consultation(
            grid=unit, author_id=rng.choice(authors), title=f"{TITLE}{i + 1}", body="楼道灯坏了，希望尽快修复。"
        )
        topic.set_grid(unit)
        topic.created_at = now
        rows.append(topic)
    topics = Consultation.objects.bulk_create(rows, batch_size=1000)

    counts = [BIG_THREAD] + [(POSTS - BIG_THREAD) // (len(topics) - 1)] * (len(topics) - 1)
    counts[-1] += POSTS - sum(counts)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('consultations_post', 'id'))")
        next_id = cursor.fetchone()[0]
    buffer = io.StringIO()
    stamp = now.isoformat()
    for topic, n in zip(topics, counts, strict=True):
        authors = authors_by_prefix.get(topic.grid_path) or list(home)[:1]
        chain: list[tuple[int, str]] = []  # (id, key) of the current reply chain
        for j in range(n):
            depth = j % 4  # a top-level post, then replies three deep
            post_id = next_id
            next_id += 1
            part = f"{post_id:012d}"
            if depth == 0:
                chain = [(post_id, part)]
                parent = "\\N"
            else:
                parent = str(chain[-1][0])
                part = f"{chain[-1][1]}.{part}"
                chain.append((post_id, part))
            body = POST_BODIES[j % len(POST_BODIES)]
            buffer.write(
                f"{post_id}\t{topic.pk}\t{rng.choice(authors)}\t{parent}\t{depth}\t{part}\t\t{body}\tvisible\t\t\t0\t{stamp}\n"
            )
    buffer.seek(0)
    columns = (
        "id, consultation_id, author_id, reply_to_id, depth, thread_key, stance, body, status,"
        " held_label, hidden_reason, report_count, created_at"
    )
    raw = connection.connection  # psycopg's own connection, for COPY
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY consultations_post ({columns}) FROM STDIN") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        cursor.execute("SELECT setval(pg_get_serial_sequence('consultations_post', 'id'), %s)", [next_id])
        cursor.execute(
            "UPDATE consultations_consultation c SET post_count = p.n FROM"
            " (SELECT consultation_id, count(*) n FROM consultations_post GROUP BY consultation_id) p"
            " WHERE p.consultation_id = c.id"
        )
    raw.commit()


def cursor_at(key: str) -> str:
    """DRF's cursor for the page that starts after `key` (CursorPagination.encode_cursor)."""
    return base64.b64encode(urlencode({"p": key}).encode("ascii")).decode("ascii")


def loads(data: dict) -> dict[str, harness.Load]:
    """Each phase's requests: one path, a different resident's token for each request."""
    from rest_framework_simplejwt.tokens import AccessToken

    from consultations.models import Post
    from residents.models import User

    def tokens(user_ids: list[int]) -> list[str]:
        return [str(AccessToken.for_user(User(pk=user_id))) for user_id in user_ids]

    big = data["big"]
    readers = [uid for uid, path in data["home"].items() if path.startswith(big.grid_path)]
    keys = Post.objects.filter(consultation=big).order_by("thread_key").values_list("thread_key", flat=True)
    deep = cursor_at(keys[4000])
    residents = [uid for uid, path in data["home"].items() if _community_of(path) in data["by_community"]]
    random.Random(3).shuffle(residents)
    by_home: dict[str, list[int]] = {}
    for uid in residents:
        by_home.setdefault(_community_of(data["home"][uid]), []).append(uid)
    community, posters = max(by_home.items(), key=lambda item: len(item[1]))
    bodies = [json.dumps({"body": b}, ensure_ascii=False) for b in POST_BODIES]
    thread = f"/api/v1/consultations/{big.pk}/posts"
    print(f"requests: {len(readers)} readers of the big thread, {len(posters)} posters", flush=True)
    return {
        "thread first": harness.Load("GET", thread, tokens=tokens(readers)),
        "thread deep": harness.Load("GET", f"{thread}?cursor={deep}", tokens=tokens(readers)),
        "list resident": harness.Load("GET", "/api/v1/consultations", tokens=tokens(residents[:2000])),
        "list staff": harness.Load("GET", "/api/v1/consultations", tokens=tokens(data["staff"])),
        "posts": harness.Load(
            "POST",
            f"/api/v1/consultations/{data['by_community'][community]}/posts",
            tokens=tokens(posters[:5000]),
            bodies=bodies,
        ),
    }


def _community_of(path: str) -> str:
    parts = path.strip("/").split("/")
    return "/" + "/".join(parts[:3]) + "/"


def cleanup(seeded_max: int) -> int:
    """Remove the posts (and their follows) the run wrote; the seeded ones stay."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM consultations_moderationlog WHERE post_id > %s", [seeded_max])
        cursor.execute("DELETE FROM consultations_post WHERE id > %s", [seeded_max])
        removed = cursor.rowcount
        cursor.execute("DELETE FROM consultations_follow")
        cursor.execute("DELETE FROM notifications_notification")
    return removed


def main() -> None:
    args = parse_args()
    env = bench_env()
    os.environ.update(env)
    print(harness.machine_line(), flush=True)
    harness.ensure_database(DB_URL)
    harness.migrate(env)
    data = seed()
    cleanup(data["seeded_max"])
    specs = loads(data)
    harness.flush_redis(env)

    bare = harness.bare_from_args(args)
    server = harness.start_project(args, env)
    results = {}
    try:
        harness.load(args.port, specs["thread first"], connections=args.connections, seconds=3, client=args.client)
        for name, spec in specs.items():
            meter = harness.CpuMeter(server, database=DB_NAME)
            results[name] = harness.load(
                args.port, spec, connections=args.connections, seconds=args.duration, meter=meter, client=args.client
            )
    finally:
        production.stop(server)
    written = cleanup(data["seeded_max"])

    print()
    for name, result in results.items():
        unit = "posts/s" if name == "posts" else "req/s"
        verdict = ""
        if name != "posts":
            verdict = f"  goal p99<={GOAL_MS} ms: {'met' if result['p99_ms'] <= GOAL_MS else 'missed'}"
        print(harness.describe(name, result, unit) + verdict)
        print(harness.ratio_line("  ratio", result["ok_rate"], bare["rate"]))
    print(f"posts stored by the run: {written} (removed again)")
    print(harness.cpu_line("bare", bare))
    for name, result in results.items():
        print(harness.cpu_line(name.replace("thread ", "").replace("list ", "list/")[:8], result))
    print(harness.machine_line())


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""协商议事 benchmark: a district with 2,000 consultations and 200,000 posts; the thread page
(first page, and a cursor page deep in a 5,000-post thread), the scoped consultation list, and
posting with the local word-list check on, over HTTP through the production server setup,
against the bare constant-answer view of a minimal Django project under the same server.

    .venv/bin/python bench/consultations_thread.py
    .venv/bin/python bench/consultations_thread.py --duration 10 --connections 8 --workers 4

Environment: BENCH_DATABASE_URL (default the local yd_bench_consult), BENCH_REDIS_URL and
BENCH_BROKER_URL (default dbs 12 and 13 of the local Redis; flushed at the start).

One run:
1. the benchmark's database (created and migrated when missing); the district's real grid shape,
   RESIDENTS verified residents, 2,000 consultations over its communities and micro-grids and
   200,000 posts (one thread of 5,000, in reply chains three deep), by COPY, only once;
2. the project's production server (bench/production.py: granian WSGI workers, production
   settings, PostgreSQL pool, Redis) and the bare project (bench/consultations_bare_settings)
   under the same server and flags on PORT+1;
3. wrk, each request a different resident: the bare view; the 5,000-post thread's first page;
   a cursor page 4,000 posts deep; the consultation list as residents and as street staff;
   new posts (word list on, WeChat not configured) spread over the residents' own communities'
   topics; the bare view again. Goals: p99 <= 50 ms for the pages and the list.
4. the posts written by the run are removed again (the seeded data stays for the next run).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import production  # noqa: E402

CONSULTATIONS = 2_000
POSTS = 200_000
BIG_THREAD = 5_000
RESIDENTS = 20_000
TITLE = "[压测] 议题"
GOAL_MS = 50

LUA = r"""
-- Each line of the requests file: "<token> <path>"; each thread its own slice, each request the next.
local requests_path, method = "__REQUESTS__", "__METHOD__"
local bodies = {__BODIES__}
local counter = 1
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  local n = tonumber(args[1])
  lines, idx = {}, 0
  local i = 0
  for line in io.lines(requests_path) do
    if i % n == id - 1 then lines[#lines + 1] = line end
    i = i + 1
  end
  math.randomseed(id * 7919)
end
function request()
  idx = idx + 1
  local line = lines[((idx - 1) % #lines) + 1]
  local token, path = line:match("^(%S+) (%S+)$")
  local headers = {["Content-Type"] = "application/json", ["X-Forwarded-Proto"] = "https"}
  if token ~= "-" then headers["Authorization"] = "Bearer " .. token end
  local body = nil
  if #bodies > 0 then body = bodies[math.random(#bodies)] end
  return wrk.format(method, path, headers, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "non2xx": %d, "socket": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""

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
    p.add_argument("--bare-duration", type=int, default=8)
    p.add_argument("--connections", type=int, default=8, help="wrk connections (2 per worker)")
    p.add_argument("--threads", type=int, default=1, help="wrk threads")
    p.add_argument("--workers", type=int, default=4, help="server worker processes")
    p.add_argument("--server-threads", type=int, default=2, help="threads per worker (granian)")
    p.add_argument("--server", choices=production.KINDS, default="granian")
    p.add_argument("--port", type=int, default=8171, help="the project's server; the bare one on port+1")
    return p.parse_args()


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yd_bench_consult")


def bench_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
            "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13"),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "SECRET_KEY": "bench-consult-not-a-deployment-secret-0123456789abcdef",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "JWT_ACCESS_MINUTES": "180",
            "WECHAT_APPID": "",  # the local word list only: the outside call is not ours to measure
            # A few street staff read the list many times a second: per-user throttles would
            # answer 429 to the load generator, which is not what is measured.
            "THROTTLE_USER": "10000000/min",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


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


def request_files(data: dict, workdir: Path) -> dict[str, Path]:
    from rest_framework_simplejwt.tokens import AccessToken

    from consultations.models import Post
    from residents.models import User

    def token(user_id: int) -> str:
        return str(AccessToken.for_user(User(pk=user_id)))

    big = data["big"]
    readers = [uid for uid, path in data["home"].items() if path.startswith(big.grid_path)]
    keys = list(Post.objects.filter(consultation=big).order_by("thread_key").values_list("thread_key", flat=True))
    deep = cursor_at(keys[4000])
    rng = random.Random(3)
    posters = [uid for uid, path in data["home"].items() if _community_of(path) in data["by_community"]]
    rng.shuffle(posters)
    files = {
        "bare": [("-", "/bench/bare")],
        "first": [(token(uid), f"/api/v1/consultations/{big.pk}/posts") for uid in readers],
        "deep": [(token(uid), f"/api/v1/consultations/{big.pk}/posts?cursor={deep}") for uid in readers],
        "list_resident": [(token(uid), "/api/v1/consultations") for uid in posters[:2000]],
        "list_staff": [(token(uid), "/api/v1/consultations") for uid in data["staff"]],
        "posts": [
            (token(uid), f"/api/v1/consultations/{data['by_community'][_community_of(data['home'][uid])]}/posts")
            for uid in posters[:5000]
        ],
    }
    paths = {}
    for name, lines in files.items():
        paths[name] = workdir / f"{name}.txt"
        paths[name].write_text("".join(f"{t} {p}\n" for t, p in lines))
    print(f"requests: {len(readers)} readers of the big thread, {len(posters[:5000])} posters", flush=True)
    return paths


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


# --- load ----------------------------------------------------------------------------------


def run_wrk(args: argparse.Namespace, port: int, method: str, requests: Path, seconds: int, bodies=()) -> dict:
    script = LUA.replace("__REQUESTS__", str(requests)).replace("__METHOD__", method)
    script = script.replace("__BODIES__", ", ".join(json.dumps(b, ensure_ascii=False) for b in bodies))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    cmd = [
        shutil.which("wrk") or "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        f.name,
        f"http://127.0.0.1:{port}",
        "--",
        str(args.threads),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    result = json.loads(next(x for x in out.splitlines() if x.startswith("WRKJSON ")).removeprefix("WRKJSON "))
    seconds_run = result["duration_us"] / 1e6
    result["rate"] = result["requests"] / seconds_run
    result["ok_rate"] = (result["requests"] - result["non2xx"]) / seconds_run
    return result


def line(name: str, r: dict, unit: str = "req/s", goal: bool = False) -> str:
    p99 = r["p99_us"] / 1000
    verdict = f"  goal p99<={GOAL_MS} ms: {'met' if p99 <= GOAL_MS else 'missed'}" if goal else ""
    return (
        f"{name:<22}{r['ok_rate']:8.0f} {unit}  p50 {r['p50_us'] / 1000:6.1f} ms  p90 {r['p90_us'] / 1000:6.1f} ms"
        f"  p99 {p99:6.1f} ms  max {r['max_us'] / 1000:6.1f} ms  non-2xx {r['non2xx']}  socket errors {r['socket']}"
        f"{verdict}"
    )


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (apt-get install wrk)")
    env = bench_env()
    os.environ.update(env)
    print(
        f"machine: {os.cpu_count()} cores shared with the client, PostgreSQL, Redis and other engineers;"
        f" load average {os.getloadavg()[0]:.2f} at start",
        flush=True,
    )
    ensure_database(env["DATABASE_URL"])
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    data = seed()
    cleanup(data["seeded_max"])
    workdir = Path(tempfile.mkdtemp(prefix="yd_bench_consult_"))
    files = request_files(data, workdir)
    import redis

    for url in (env["REDIS_URL"], env["CELERY_BROKER_URL"]):
        redis.Redis.from_url(url).flushdb()

    bare_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.consultations_bare_settings"}
    start = {"kind": args.server, "workers": args.workers, "threads": args.server_threads}
    server = production.start(port=args.port, env=env, **start)
    bare_server = production.start(port=args.port + 1, env=bare_env, **start)
    print(
        f"servers: {args.server} {args.workers} workers x {args.server_threads} threads on :{args.port} (project)"
        f" and :{args.port + 1} (bare); wrk -t{args.threads} -c{args.connections}",
        flush=True,
    )
    try:
        run_wrk(args, args.port + 1, "GET", files["bare"], 2)  # warm-up
        run_wrk(args, args.port, "GET", files["first"], 2)
        bare1 = run_wrk(args, args.port + 1, "GET", files["bare"], args.bare_duration)
        first = run_wrk(args, args.port, "GET", files["first"], args.duration)
        deep = run_wrk(args, args.port, "GET", files["deep"], args.duration)
        list_resident = run_wrk(args, args.port, "GET", files["list_resident"], args.duration)
        list_staff = run_wrk(args, args.port, "GET", files["list_staff"], args.duration)
        bodies = [json.dumps({"body": b}, ensure_ascii=False) for b in POST_BODIES]
        posts = run_wrk(args, args.port, "POST", files["posts"], args.duration, bodies)
        bare_posts = run_wrk(args, args.port + 1, "POST", files["bare"], args.bare_duration, bodies)
        bare2 = run_wrk(args, args.port + 1, "GET", files["bare"], args.bare_duration)
    finally:
        production.stop(server)
        production.stop(bare_server)
    written = cleanup(data["seeded_max"])
    bare_rate = (bare1["rate"] + bare2["rate"]) / 2
    print()
    print(line("bare GET", bare1) + f"  (then {bare2['rate']:.0f} req/s; mean {bare_rate:.0f})")
    print(line("bare POST", bare_posts))
    print(line("thread first page", first, goal=True))
    print(line("thread page 4000 deep", deep, goal=True))
    print(line("list (residents)", list_resident, goal=True))
    print(line("list (street staff)", list_staff, goal=True))
    print(line("posts", posts, unit="posts/s") + f"  ({written} stored)")
    for name, r in (("thread first page", first), ("thread page 4000 deep", deep), ("list (residents)", list_resident)):
        print(f"ratio {name:<22}{r['ok_rate'] / bare_rate:.2f} of the bare GET")
    print(f"ratio {'posts':<22}{posts['ok_rate'] / bare_posts['ok_rate']:.2f} of the bare POST")
    print(f"load average at the end {os.getloadavg()[0]:.2f} (2 cores shared with the client, PG, Redis, others)")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""每月一事 benchmark: a district-wide round with 100,000 eligible residents, ballots cast over
HTTP through the production server setup, against the bare endpoint of the same server.

    .venv/bin/python bench/monthly_vote.py                  # defaults below
    .venv/bin/python bench/monthly_vote.py --residents 100000 --duration 20 --connections 8 --workers 4

What it does, in one run:
1. database `yd_bench_monthly` (created if missing, migrated); the district's real grid shape
   and N residents with verified homes (bulk inserts, only what is missing);
2. a district round (after_close, 3 candidates) opened for voting, and one JWT per resident;
3. the production server (bench/production.py: granian WSGI workers; production settings:
   DEBUG off, a SECRET_KEY, PostgreSQL with the per-process pool, Redis cache/throttles)
   on 127.0.0.1:PORT, with `bench.monthly_settings` adding only `GET /bench/bare`;
4. wrk (a compiled load generator, so the client takes little of the 2 cores): the bare
   endpoint, then ballots (each request a different resident), then the bare endpoint again;
5. closes the round (count and freeze) and checks the tally: frozen turnout = ballots stored =
   sum of votes = a recount of the sealed ballots.

Server: see bench/production.py. `--server gunicorn` measures gunicorn's sync workers and
`--server asgi` the all-ASGI setup (gunicorn + uvicorn workers) for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import production  # noqa: E402

DB_NAME = "yd_bench_monthly"
BENCH_MONTH = "2099-12"

LUA = r"""
-- Each thread takes its own slice of the token file; each request the next token.
local tokens_path, method, path = "__TOKENS__", "__METHOD__", "__PATH__"
local bodies = {__BODIES__}
local threads, counter = {}, 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local n = tonumber(args[1])
  tokens, idx = {}, 0
  local i = 0
  for line in io.lines(tokens_path) do
    if i % n == id - 1 then tokens[#tokens + 1] = line end
    i = i + 1
  end
  math.randomseed(id * 7919)
end

function request()
  idx = idx + 1
  local headers = {
    ["Authorization"] = "Bearer " .. tokens[((idx - 1) % #tokens) + 1],
    ["Content-Type"] = "application/json",
    ["X-Forwarded-Proto"] = "https",  -- TLS ends at the proxy in front of the server
  }
  local body = nil
  if #bodies > 0 then body = bodies[math.random(#bodies)] end
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "non2xx": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--residents", type=int, default=100_000)
    p.add_argument("--duration", type=int, default=20, help="seconds of ballots")
    p.add_argument("--bare-duration", type=int, default=10, help="seconds of each bare-endpoint run")
    p.add_argument(
        "--connections", type=int, default=8, help="wrk connections (2 per worker: a little queueing, no idle worker)"
    )
    p.add_argument("--threads", type=int, default=1, help="wrk threads")
    p.add_argument("--workers", type=int, default=4, help="server worker processes")
    p.add_argument("--server-threads", type=int, default=2, help="threads per worker (granian)")
    p.add_argument("--server", choices=production.KINDS, default="granian")
    p.add_argument("--port", type=int, default=18070)
    p.add_argument("--redis-db", type=int, default=10, help="cache db; the broker uses the next one")
    return p.parse_args()


def bench_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.monthly_settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
            "DEV_KEYS": "1",  # not a deployment: development field keys are fine
            "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{args.redis_db + 1}",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "SECRET_KEY": "bench-monthly-not-a-deployment-secret-0123456789abcdef",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "JWT_ACCESS_MINUTES": "180",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def ensure_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing it (apt-get install wrk)", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is needed (apt-get install wrk)")
    return found


def seed(residents: int) -> tuple[int, list[int], list[int]]:
    """The district, its residents, and a fresh district round open for voting."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from grids.demo import build_district
    from grids.models import Assignment, Role
    from monthly import services
    from residents.demo import ensure_residents
    from residents.models import User
    from residents.selectors import verified_residents_under

    started = time.monotonic()
    with transaction.atomic():
        shape = build_district()
        created = ensure_residents(residents, shape["micro"])
    district = shape["district"][0]
    with connection.cursor() as cursor:
        if created:
            cursor.execute("ANALYZE residents_user; ANALYZE residents_residence")
        # A fresh round each run (this database is the benchmark's own).
        cursor.execute(
            "TRUNCATE monthly_ballot, monthly_tallyshard, monthly_roundresult, monthly_roundevent,"
            " monthly_rating, monthly_progressreport, monthly_candidate, monthly_nomination, monthly_round CASCADE"
        )
    print(f"seed: {created} residents created ({time.monotonic() - started:.1f}s)", flush=True)

    admin, _ = User.objects.get_or_create(username="bench_admin", defaults={"password": make_password(None)})
    Assignment.objects.get_or_create(user=admin, unit=district, role=Role.ADMIN)
    now = timezone.now()
    round_ = services.round_create(
        actor=admin,
        scope=district,
        month=BENCH_MONTH,
        title="中原区每月一事（压测）",
        nomination_ends=now - timedelta(minutes=2),
        voting_starts=now - timedelta(minutes=1),
        voting_ends=now + timedelta(hours=3),
    )
    candidate_ids = [
        services.candidate_add(round_=round_, actor=admin, title=t).pk for t in ("加装电梯", "修复路灯", "增设充电桩")
    ]
    services.round_open_voting(round_=round_, actor=admin)
    voters = list(verified_residents_under(path=district.path).values_list("user_id", flat=True)[:residents])
    random.Random(1).shuffle(voters)
    return round_.pk, candidate_ids, voters


def write_tokens(voters: list[int], path: Path) -> None:
    from rest_framework_simplejwt.tokens import AccessToken

    from residents.models import User

    started = time.monotonic()
    with path.open("w") as out:
        for user_id in voters:
            out.write(f"{AccessToken.for_user(User(pk=user_id))}\n")
    print(f"tokens: {len(voters)} access tokens ({time.monotonic() - started:.1f}s)", flush=True)


def start_server(args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen:
    try:
        return production.start(
            kind=args.server, port=args.port, workers=args.workers, threads=args.server_threads, env=env
        )
    except RuntimeError as exc:
        sys.exit(str(exc))


CLK_TCK = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def _children(master: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def _pg_backends() -> list[int]:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'"
            " AND pid <> pg_backend_pid()",
            [DB_NAME],
        ).fetchall()
    return [r[0] for r in rows]


class CpuMeter:
    """CPU seconds spent by the server's processes, its PostgreSQL backends and wrk during a
    phase: a per-request cost that other load on the machine does not distort much (unlike
    the rate), and from which the rate on two idle cores can be estimated."""

    def __init__(self, server: subprocess.Popen) -> None:
        self.master = server.pid

    def snapshot(self) -> dict[str, float]:
        app = [self.master, *_children(self.master)]
        child = os.times()
        return {
            "app": sum(_cpu_of(p) for p in app),
            "pg": sum(_cpu_of(p) for p in _pg_backends()),
            "wrk": child.children_user + child.children_system,
        }


def run_wrk(
    wrk: str,
    args: argparse.Namespace,
    tokens: Path,
    method: str,
    path: str,
    bodies: list[str],
    seconds: int,
    meter: CpuMeter | None = None,
) -> dict:
    script = LUA.replace("__TOKENS__", str(tokens)).replace("__METHOD__", method).replace("__PATH__", path)
    script = script.replace("__BODIES__", ", ".join(json.dumps(b) for b in bodies))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    cmd = [
        wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        f.name,
        f"http://127.0.0.1:{args.port}",
        "--",
        str(args.threads),
    ]
    before = meter.snapshot() if meter else None
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    after = meter.snapshot() if meter else None
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    result = json.loads(line.removeprefix("WRKJSON "))
    result["ok"] = result["requests"] - result["non2xx"]
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    result["ok_rate"] = result["ok"] / (result["duration_us"] / 1e6)
    if before and after:
        result["cpu_ms"] = {k: 1000 * (after[k] - before[k]) / max(result["requests"], 1) for k in before}
    return result


def verify(round_id: int) -> dict:
    """Close (count and freeze), then check the tally against the stored ballots."""
    from monthly import services
    from monthly.models import Ballot, Round, RoundResult
    from monthly.selectors import live_tally

    round_ = Round.objects.get(pk=round_id)
    live = live_tally(round_)
    services.round_close(round_=round_)
    round_.refresh_from_db()
    stored = Ballot.objects.filter(round_id=round_id).count()
    frozen = dict(RoundResult.objects.filter(round_id=round_id).values_list("candidate_id", "votes"))
    recount: Counter[int] = Counter()
    for sealed in Ballot.objects.filter(round_id=round_id).values_list("sealed_choices", flat=True).iterator(5000):
        recount.update(json.loads(sealed))  # an auditor's recount: decrypt every sealed ballot
    return {
        "stored_ballots": stored,
        "turnout_live_counters": live.turnout,
        "turnout_frozen": round_.turnout,
        "votes_frozen": frozen,
        "votes_recount": dict(recount),
        "eligible": round_.eligible,
        "exact": stored == round_.turnout == sum(frozen.values()) == live.turnout
        and frozen == {cid: recount.get(cid, 0) for cid in frozen},
    }


def main() -> None:
    args = parse_args()
    env = bench_env(args)
    os.environ.update(env)
    wrk = ensure_wrk()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start", flush=True)
    ensure_database()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    round_id, candidate_ids, voters = seed(args.residents)
    workdir = Path(tempfile.mkdtemp(prefix="yd_bench_monthly_"))
    tokens = workdir / "tokens.txt"
    write_tokens(voters, tokens)
    import redis

    for url in (env["REDIS_URL"], env["CELERY_BROKER_URL"]):  # earlier runs' counters and queued tasks
        redis.Redis.from_url(url).flushdb()

    server = start_server(args, env)
    print(
        f"server: {args.server} {args.workers} workers x {args.server_threads} threads on :{args.port};"
        f" wrk -t{args.threads} -c{args.connections}",
        flush=True,
    )
    try:
        bodies = [json.dumps({"choices": [cid]}) for cid in candidate_ids]
        run_wrk(wrk, args, tokens, "GET", "/bench/bare", [], 3)  # warm-up: imports, connections
        meter = CpuMeter(server)
        bare1 = run_wrk(wrk, args, tokens, "GET", "/bench/bare", [], args.bare_duration, meter)
        ballot_path = f"/api/v1/monthly/rounds/{round_id}/ballot"
        ballots = run_wrk(wrk, args, tokens, "POST", ballot_path, bodies, args.duration, meter)
        bare2 = run_wrk(wrk, args, tokens, "GET", "/bench/bare", [], args.bare_duration, meter)
    finally:
        production.stop(server)
    time.sleep(0.5)
    check = verify(round_id)

    bare_rate = (bare1["rate"] + bare2["rate"]) / 2
    print()
    print(f"bare endpoint   {bare1['rate']:8.0f} req/s then {bare2['rate']:.0f} req/s (mean {bare_rate:.0f})")
    print(
        f"                p50 {bare1['p50_us'] / 1000:.1f} ms  p99 {bare1['p99_us'] / 1000:.1f} ms;"
        f" non-2xx {bare1['non2xx'] + bare2['non2xx']}"
    )
    print(f"ballots         {ballots['ok_rate']:8.0f} ballots/s  ({ballots['ok']} accepted in {args.duration}s)")
    print(
        f"                p50 {ballots['p50_us'] / 1000:.1f} ms  p90 {ballots['p90_us'] / 1000:.1f} ms"
        f"  p99 {ballots['p99_us'] / 1000:.1f} ms  max {ballots['max_us'] / 1000:.1f} ms;"
        f" refused {ballots['non2xx']}, socket errors"
        f" {ballots['connect'] + ballots['read'] + ballots['write'] + ballots['timeout']}"
    )
    print(f"ratio           {ballots['ok_rate'] / bare_rate:.2f} of the bare endpoint's rate")
    cores = os.cpu_count() or 2
    for name, phase in (("bare", bare1), ("ballot", ballots)):
        cpu = phase["cpu_ms"]
        total = sum(cpu.values())
        print(
            f"cpu/request     {name:<6} app {cpu['app']:.2f} ms + PostgreSQL {cpu['pg']:.2f} ms + wrk {cpu['wrk']:.2f} ms"
            f" = {total:.2f} ms -> {1000 * cores / total:.0f}/s if {cores} cores were ours alone"
        )
    print(
        f"tally           stored {check['stored_ballots']}, counters {check['turnout_live_counters']},"
        f" frozen {check['turnout_frozen']}, votes {check['votes_frozen']}, recount {check['votes_recount']}"
        f" -> {'EXACT' if check['exact'] else 'MISMATCH'}"
    )
    print(
        f"                (wrk saw {ballots['ok']} answers of 201; the server may commit up to"
        f" {args.connections} more that were in flight when wrk stopped)"
    )
    print(
        f"goal            >=1000 ballots/s: {'met' if ballots['ok_rate'] >= 1000 else 'missed'};"
        f" >=0.5 of bare: {'met' if ballots['ok_rate'] >= 0.5 * bare_rate else 'missed'}"
    )
    print(f"load average at the end {os.getloadavg()[0]:.2f} (2 cores shared with the client, PG, Redis, others)")
    shutil.rmtree(workdir, ignore_errors=True)
    if not check["exact"]:
        sys.exit(1)


if __name__ == "__main__":
    main()

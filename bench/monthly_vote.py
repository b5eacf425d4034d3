#!/usr/bin/env python
"""每月一事 benchmark: a district-wide round with 100,000 eligible residents, ballots cast over
HTTP through the production server setup, against the bare endpoint of the same server.

    .venv/bin/python bench/monthly_vote.py                  # defaults below
    .venv/bin/python bench/monthly_vote.py --residents 100000 --duration 20 --connections 8 --workers 4

What it does, in one run:
1. database `yd_bench_monthly` (BENCH_DATABASE_URL; created if missing, migrated); the
   district's real grid shape and N residents with verified homes (bulk inserts, only what is
   missing); Redis BENCH_REDIS_URL / BENCH_BROKER_URL (default 6379 dbs 10 and 11);
2. a district round (after_close, 3 candidates) opened for voting, and one JWT per resident;
3. the bare view (bench/harness.py) under the same server, flags and load generator;
4. the production server (bench/production.py: granian WSGI workers; production settings:
   DEBUG off, a SECRET_KEY, PostgreSQL with the per-process pool, Redis cache/throttles)
   and ballots through it (each request a different resident); `--profile` then records the
   workers with py-spy during a second run of ballots (bench/profiles/);
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
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import harness, production  # noqa: E402

DB_URL = harness.database_url("yd_bench_monthly")
DB_NAME = DB_URL.rsplit("/", 1)[1]
BENCH_MONTH = "2099-12"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--residents", type=int, default=100_000)
    p.add_argument("--duration", type=int, default=20, help="seconds of ballots")
    p.add_argument("--profile", action="store_true", help="then py-spy the workers during a second ballot run")
    harness.add_server_args(p, port=18070, connections=16)
    return p.parse_args()


def bench_env() -> dict[str, str]:
    return harness.server_env(database_url=DB_URL, redis_db=10, name="monthly")


def ensure_database() -> None:
    harness.ensure_database(DB_URL)


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


def write_tokens(voters: list[int]) -> list[str]:
    from rest_framework_simplejwt.tokens import AccessToken

    from residents.models import User

    started = time.monotonic()
    tokens = [str(AccessToken.for_user(User(pk=user_id))) for user_id in voters]
    print(f"tokens: {len(voters)} access tokens ({time.monotonic() - started:.1f}s)", flush=True)
    return tokens


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
    env = bench_env()
    os.environ.update(env)
    print(harness.machine_line(), flush=True)
    ensure_database()
    harness.migrate(env)
    round_id, candidate_ids, voters = seed(args.residents)
    tokens = write_tokens(voters)
    harness.flush_redis(env)

    bare = harness.bare_from_args(args)
    server = harness.start_project(args, env)
    try:
        bodies = [json.dumps({"choices": [cid]}) for cid in candidate_ids]
        path = f"/api/v1/monthly/rounds/{round_id}/ballot"
        # The profiled run takes the other half of the voters: theirs are first ballots too, not 409s.
        half = len(tokens) // 2 if args.profile else len(tokens)
        spec = harness.Load("POST", path, tokens=tokens[:half], bodies=bodies)
        warm = harness.Load("GET", "/healthz")
        harness.load(args.port, warm, connections=args.connections, seconds=3, client=args.client)
        meter = harness.CpuMeter(server, database=DB_NAME)
        ballots = harness.load(
            args.port, spec, connections=args.connections, seconds=args.duration, meter=meter, client=args.client
        )
        if args.profile:
            ballots_profiled(args, harness.Load("POST", path, tokens=tokens[half:], bodies=bodies), server)
    finally:
        production.stop(server)
    time.sleep(0.5)
    check = verify(round_id)

    print()
    print(harness.describe("ballots", ballots, "ballots/s"))
    print(harness.ratio_line("ratio", ballots["ok_rate"], bare["rate"]))
    print(harness.cpu_line("bare", bare))
    print(harness.cpu_line("ballot", ballots))
    print(
        f"tally           stored {check['stored_ballots']}, counters {check['turnout_live_counters']},"
        f" frozen {check['turnout_frozen']}, votes {check['votes_frozen']}, recount {check['votes_recount']}"
        f" -> {'EXACT' if check['exact'] else 'MISMATCH'}"
    )
    ok_rate, ratio = ballots["ok_rate"], ballots["ok_rate"] / bare["rate"]
    print(
        f"goal            >=1200 ballots/s: {'met' if ok_rate >= 1200 else 'missed'};"
        f" >=0.2x bare: {'met' if ratio >= 0.2 else 'missed'}"
    )
    print(harness.machine_line())
    if not check["exact"]:
        sys.exit(1)


def ballots_profiled(args: argparse.Namespace, spec: harness.Load, server: subprocess.Popen) -> None:
    """py-spy on every server worker while ballots run: one flame graph, bench/profiles/ballot.svg,
    and the same samples' collapsed stacks for reading as text, bench/profiles/ballot.txt
    (`bench/profiles/top.py` sums them per frame)."""
    out = ROOT / "bench/profiles/ballot.svg"
    out.parent.mkdir(exist_ok=True)
    pyspy = shutil.which("py-spy") or str(ROOT / ".venv/bin/py-spy")
    command = [pyspy, "record", "-p", str(server.pid), "--subprocesses", "-d", str(args.duration), "-r", "40"]
    recorders = [
        subprocess.Popen(
            [*command, "-o", str(target), "-f", kind, "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for target, kind in ((out, "flamegraph"), (out.with_suffix(".txt"), "raw"))
    ]
    time.sleep(1)
    harness.load(args.port, spec, connections=args.connections, seconds=args.duration, client=args.client)
    for recorder in recorders:
        _, err = recorder.communicate(timeout=120)
        print(f"profile: {recorder.args[-4]} ({err.decode(errors='replace').strip().splitlines()[-1:]})", flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""CPU per request in one process, without a server or a load generator: the production WSGI
application (`backend.wsgi`, production settings as bench/monthly_vote.py sets them) called in a
loop on hand-built WSGI environs, so other engineers' load on the machine hardly moves the
figure (it counts this process's CPU only, not PostgreSQL's or Redis's). For before/after
comparisons of the per-request overhead; `--profile` adds a cProfile (CPU time) of each loop,
and `--instructions` counts the instructions each request executes under valgrind's callgrind
(this process only, user space), which no other load on the machine moves at all.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/yd_bench_perf \\
    BENCH_REDIS_URL=redis://127.0.0.1:6380/42 BENCH_BROKER_URL=redis://127.0.0.1:6380/43 \\
    .venv/bin/python bench/request_cpu.py [--requests 2000] [--profile]

Measures, each request a different resident of a district round (the monthly bench's seed):
a ballot (`POST /api/v1/monthly/rounds/<id>/ballot`), a trivial authenticated read
(`GET /api/v1/me`), and the database queries each makes. `--appeals` measures instead an
appeal submission (`POST /api/v1/appeals`, JSON without photo, bench/appeals_load.py's bodies),
each by a different resident, beside the same read.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import monthly_vote  # noqa: E402

BATCH = 50
UNDER_VALGRIND = "REQUEST_CPU_CALLGRIND_OUT"  # set (to the output file) when re-run under valgrind


def environ(method: str, path: str, token: str, body: bytes = b"") -> dict:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",  # TLS ends at the proxy in front
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "CONTENT_TYPE": "application/json" if body else "",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def call(app: Callable, env: dict) -> str:
    status: list[str] = []
    result = app(env, lambda s, headers, exc_info=None: status.append(s))
    try:
        for _ in result:
            pass
    finally:
        result.close()
    return status[0]


def _callgrind(*command: str) -> None:
    subprocess.run(["callgrind_control", *command, str(os.getpid())], check=True, capture_output=True)


def _callgrind_total(dump: int) -> int:
    text = Path(f"{os.environ[UNDER_VALGRIND]}.{dump}").read_text()
    return int(next(line for line in text.splitlines() if line.startswith("totals:")).split()[1])


def measure(name: str, app: Callable, envs: list[dict], expect: str, profile: bool, dump: int = 0) -> None:
    from django.db import connection

    queries: list[str] = []

    def record(execute: Callable, sql: str, params: object, many: bool, context: object) -> object:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):  # survives the request's reset of queries_log
        assert call(app, envs[0]).startswith(expect)
    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not waits
    # In batches: the least CPU per request of a batch is the figure other processes' load
    # on the machine distorts least (contention only ever adds); the median is shown beside it.
    batches: list[float] = []
    started, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    if dump:
        _callgrind("-i", "on")
    for first in range(1, len(envs), BATCH):
        batch = envs[first : first + BATCH]
        t0 = time.process_time()
        for env in batch:
            status = call(app, env)
            if not status.startswith(expect):
                sys.exit(f"{name}: {status}")
        batches.append((time.process_time() - t0) / len(batch))
    if dump:
        _callgrind("-i", "off")
        _callgrind("-d")
    if profiler:
        profiler.disable()
    cpu, elapsed = time.process_time() - started, time.perf_counter() - wall
    n = len(envs) - 1
    print(
        f"{name:<8} {1000 * min(batches):6.3f} ms CPU per request (least of {len(batches)} batches of {BATCH};"
        f" median {1000 * statistics.median(batches):.3f}, mean {1000 * cpu / n:.3f}, wall {1000 * elapsed / n:.3f}),"
        f" {len(queries)} queries: {[q[:70] for q in queries]}",
        flush=True,
    )
    if dump:
        print(f"{name:<8} {_callgrind_total(dump) / n / 1e6:6.3f} M instructions per request (callgrind)", flush=True)
    if profiler:
        saved = Path(tempfile.gettempdir()) / f"request_cpu_{name}.pstats"
        profiler.dump_stats(saved)  # for pstats' browser: python -m pstats <file>
        out = io.StringIO(f"{name:<8} profile saved to {saved}\n")
        out.seek(0, io.SEEK_END)
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=2000, help="per endpoint (each a different resident)")
    p.add_argument("--residents", type=int, default=5000, help="at least 2 x requests + 2")
    p.add_argument("--profile", action="store_true", help="cProfile each loop (CPU time)")
    p.add_argument("--instructions", action="store_true", help="count instructions under valgrind (slow: ~50x)")
    p.add_argument("--appeals", action="store_true", help="appeal submissions instead of ballots")
    args = p.parse_args()
    if args.instructions and UNDER_VALGRIND not in os.environ:
        out = Path(tempfile.mkdtemp(prefix="yd_request_cpu_")) / "callgrind.out"
        os.environ[UNDER_VALGRIND] = str(out)
        valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", "-q"]
        os.execvp("valgrind", [*valgrind, sys.executable, *sys.argv])
    env = monthly_vote.bench_env()
    os.environ.update(env)
    monthly_vote.ensure_database()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    round_id, candidate_ids, voters = monthly_vote.seed(max(args.residents, 2 * args.requests + 2))
    n = args.requests + 1
    tokens = monthly_vote.write_tokens(voters[: 2 * n])
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    from backend.wsgi import application

    if args.appeals:
        from bench.appeals_load import submit_bodies

        bodies = [b.encode() for b in submit_bodies()]
        name = "appeal"
        writes = [environ("POST", "/api/v1/appeals", t, bodies[i % len(bodies)]) for i, t in enumerate(tokens[:n])]
    else:
        name, path = "ballot", f"/api/v1/monthly/rounds/{round_id}/ballot"
        writes = [environ("POST", path, t, json.dumps({"choices": [candidate_ids[0]]}).encode()) for t in tokens[:n]]
    reads = [environ("GET", "/api/v1/me", t) for t in tokens[n:]]
    counting = UNDER_VALGRIND in os.environ
    measure("me", application, reads, "200", profile=args.profile, dump=1 if counting else 0)
    measure(name, application, writes, "201", profile=args.profile, dump=2 if counting else 0)
    print(monthly_vote.harness.machine_line())


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The server the console's budgets are measured against (`npm run budgets` starts it).

    .venv/bin/python console/scripts/budget_server.py [--appeals 200000] [--residents 2000] [--port 8124]

Seeds BENCH_DATABASE_URL (default yd_console_budget) with the seed_demo district and --appeals
bulk appeals, by bench/appeals_load.py's own seed (skipped when they are there already), then
starts the production server setup (bench/production.py) on it with the console's build, prints
`ready http://127.0.0.1:<port>` and serves until its stdin closes or it is terminated.
Redis: BENCH_REDIS_URL / BENCH_BROKER_URL (bench/harness.py).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yd_console_budget")

from bench import appeals_load, harness, production  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=200_000)
    parser.add_argument("--residents", type=int, default=2_000)
    parser.add_argument("--port", type=int, default=8124)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server-threads", type=int, default=2)
    args = parser.parse_args()

    harness.ensure_database(appeals_load.DB_URL)
    appeals_load.setup_django()
    appeals_load.seed(args.appeals, args.residents)
    from appeals.models import Appeal

    appeals_load.log(f"appeals in {appeals_load.DB_URL.rsplit('/', 1)[-1]}: {Appeal.objects.count()}")
    env = {**os.environ, **appeals_load.ENV, "CONSOLE_DIST": str(ROOT / "console" / "dist")}
    server = production.start(
        kind="granian", port=args.port, workers=args.workers, threads=args.server_threads, env=env
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        print(f"ready http://127.0.0.1:{args.port}", flush=True)
        sys.stdin.read()  # until the caller closes our stdin (or ends us)
    finally:
        production.stop(server)


if __name__ == "__main__":
    main()

"""One way to measure, shared by every benchmark under bench/.

- `bare(...)`: starts the bare project (bench/bare: a constant-answer DRF view in a minimal
  Django project, no middleware, no auth, no database) under the same server and flags as the
  project's (bench/production.py), loads it with the same generator and connections, stops it.
- `load(...)`: the load generator. wrk (compiled, so the client takes little of the 2 cores)
  when installed (it is apt-get installed on first use if possible); otherwise a bounded
  in-process asyncio HTTP/1.1 client (keep-alive, one coroutine per connection) that measures
  the same figures, and costs more CPU per request: both the bare view and the benchmark are
  measured with the same one in a run, so the ratio stays fair.
- `CpuMeter`: CPU seconds per request of the server's processes, their PostgreSQL backends and
  the client, a cost other engineers' load on the machine distorts less than the rate.
- `ratio_line(...)`: the figure as a fraction of the bare view's rate in the same run.

Each request of a `Load` takes the next bearer token of `tokens` (so each is a different user)
and one of `bodies` at random.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench import production  # noqa: E402

BARE_PATH = "/bench/bare"
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Load:
    method: str
    path: str
    tokens: list[str] = field(default_factory=list)
    bodies: list[bytes | str] = field(default_factory=list)
    content_type: str = "application/json"


def add_server_args(parser: argparse.ArgumentParser, *, port: int, connections: int = 16) -> None:
    """The server and load flags every HTTP benchmark takes (the README's production line)."""
    parser.add_argument("--server", choices=production.KINDS, default="granian")
    parser.add_argument("--workers", type=int, default=4, help="server worker processes")
    parser.add_argument("--server-threads", type=int, default=2, help="blocking threads per worker (granian)")
    parser.add_argument("--connections", type=int, default=connections, help="client connections")
    parser.add_argument("--bare-duration", type=int, default=8, help="seconds of the bare view's run")
    parser.add_argument("--port", type=int, default=port, help="the project's server; the bare one uses port+1")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto", help="load generator")


# --- where a benchmark keeps its data ----------------------------------------------------------


def database_url(default_name: str) -> str:
    """BENCH_DATABASE_URL, else the benchmark's own database on the local PostgreSQL."""
    return os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{default_name}")


def redis_env(*, default_db: int) -> dict[str, str]:
    """REDIS_URL (cache, throttles, channel layer) and CELERY_BROKER_URL of a benchmark's server:
    BENCH_REDIS_URL / BENCH_BROKER_URL, else dbs `default_db` and the next on the local Redis."""
    return {
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", f"redis://127.0.0.1:6379/{default_db}"),
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", f"redis://127.0.0.1:6379/{default_db + 1}"),
    }


def server_env(*, database_url: str, redis_db: int, name: str, **extra: str) -> dict[str, str]:
    """The environment of a benchmark's project server: this one's, plus production-like
    settings (DEBUG off, warnings only, real Celery) on the benchmark's own database and Redis
    dbs, with a development secret and field keys (not a deployment); `extra` adds or overrides."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "DATABASE_URL": database_url,
            "DEV_KEYS": "1",  # not a deployment: development field keys are fine
            **redis_env(default_db=redis_db),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "SECRET_KEY": f"bench-{name}-not-a-deployment-secret-0123456789abcdef",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "JWT_ACCESS_MINUTES": "180",
            "PYTHONPATH": str(ROOT),
            **extra,
        }
    )
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)


def flush_redis(env: dict[str, str]) -> None:
    """Empty the server's Redis dbs: earlier runs' throttle counters and queued tasks."""
    import redis

    for url in (env["REDIS_URL"], env["CELERY_BROKER_URL"]):
        redis.Redis.from_url(url).flushdb()


def start_project(args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen:
    """The project's server as `add_server_args` flags say; `production.stop` it after."""
    server = production.start(
        kind=args.server, port=args.port, workers=args.workers, threads=args.server_threads, env=env
    )
    print(f"server: {args.server} {args.workers} workers x {args.server_threads} threads on :{args.port}", flush=True)
    return server


def ensure_database(url: str) -> bool:
    """Create the database of `url` if missing; True when it was created."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
        return True


# --- the load generator --------------------------------------------------------------------


_WRK: str | bool | None = False  # False: not looked for yet


def wrk_path() -> str | None:
    """wrk, installed with apt-get on first use when missing; None when it cannot be had."""
    global _WRK
    if _WRK is False:
        found = shutil.which("wrk")
        if not found and os.geteuid() == 0:
            print("wrk not found: trying apt-get install wrk", flush=True)
            subprocess.run(
                ["apt-get", "-o", "DPkg::Lock::Timeout=60", "install", "-y", "-qq", "wrk"],
                check=False,
                capture_output=True,
            )
            found = shutil.which("wrk")
        _WRK = found
    return _WRK or None


def client_name(choice: str = "auto") -> str:
    if choice == "python":
        return "python"
    if wrk_path():
        return "wrk"
    if choice == "wrk":
        sys.exit("wrk is needed (apt-get install wrk)")
    return "python"


_LUA = r"""
local tokens_path, method, path, ctype = "__TOKENS__", "__METHOD__", "__PATH__", "__CTYPE__"
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
  local all = {}
  if tokens_path ~= "" then
    for line in io.lines(tokens_path) do
      if i % n == id - 1 then tokens[#tokens + 1] = line end
      all[#all + 1] = line
      i = i + 1
    end
  end
  if #tokens == 0 then tokens = all end  -- fewer tokens than threads: share them
  math.randomseed(id * 7919)
end
function request()
  idx = idx + 1
  local headers = {["X-Forwarded-Proto"] = "https"}  -- TLS ends at the proxy in front
  if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[((idx - 1) % #tokens) + 1] end
  local body = nil
  if #bodies > 0 then
    body = bodies[math.random(#bodies)]
    headers["Content-Type"] = ctype
  end
  return wrk.format(method, path, headers, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def _lua_string(value: bytes | str) -> str:
    data = value.encode() if isinstance(value, str) else value
    # Three digits always: Lua reads up to three after the backslash, so "\34" then "3" is "\343".
    return '"' + "".join(f"\\{b:03d}" if b < 32 or b > 126 or b in (34, 92) else chr(b) for b in data) + '"'


def _run_wrk(port: int, spec: Load, connections: int, seconds: float) -> dict:
    wrk = wrk_path()
    assert wrk
    workdir = Path(tempfile.mkdtemp(prefix="yd_bench_wrk_"))
    tokens = ""
    if spec.tokens:
        tokens = str(workdir / "tokens.txt")
        Path(tokens).write_text("".join(f"{t}\n" for t in spec.tokens))
    script = _LUA.replace("__TOKENS__", tokens).replace("__METHOD__", spec.method).replace("__PATH__", spec.path)
    script = script.replace("__CTYPE__", spec.content_type).replace(
        "__BODIES__", ", ".join(_lua_string(b) for b in spec.bodies)
    )
    (workdir / "load.lua").write_text(script)
    threads = 2 if connections >= 4 else 1
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    cmd += ["-s", str(workdir / "load.lua"), f"http://127.0.0.1:{port}", "--", str(threads)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    raw = json.loads(line.removeprefix("WRKJSON "))
    return {
        "requests": raw["requests"],
        "non2xx": raw["non2xx"],
        "socket_errors": raw["socket_errors"],
        "seconds": raw["duration_us"] / 1e6,
        **{k.replace("_us", "_ms"): raw[k] / 1000 for k in ("p50_us", "p90_us", "p99_us", "max_us")},
    }


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if b":" in line:
            key, value = line.split(b":", 1)
            headers[key.strip().lower()] = value.strip()
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            size = int((await reader.readline()).split(b";")[0].strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _python_load(port: int, spec: Load, connections: int, seconds: float) -> dict:
    latencies: list[float] = []
    counts = {"non2xx": 0, "socket_errors": 0}
    statuses: dict[int, int] = {}
    serial = iter(range(1 << 62))
    rng = random.Random(7919)
    bodies = [b.encode() if isinstance(b, str) else b for b in spec.bodies]
    started = time.perf_counter()
    deadline = started + seconds

    def request() -> bytes:
        i = next(serial)
        head = f"{spec.method} {spec.path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Forwarded-Proto: https\r\n"
        if spec.tokens:
            head += f"Authorization: Bearer {spec.tokens[i % len(spec.tokens)]}\r\n"
        body = rng.choice(bodies) if bodies else b""
        if bodies:
            head += f"Content-Type: {spec.content_type}\r\n"
        head += f"Content-Length: {len(body)}\r\n\r\n"
        return head.encode() + body

    async def connection() -> None:
        reader = writer = None
        while time.perf_counter() < deadline:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                t0 = time.perf_counter()
                writer.write(request())
                await writer.drain()
                status = await asyncio.wait_for(_read_response(reader), timeout=10)
                latencies.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1
                if not 200 <= status < 300:
                    counts["non2xx"] += 1
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                counts["socket_errors"] += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return {
        "requests": len(latencies),
        **counts,
        "statuses": statuses,
        "seconds": elapsed,
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": ordered[-1] * 1000,
    }


def load(
    port: int, spec: Load, *, connections: int, seconds: float, meter: CpuMeter | None = None, client: str = "auto"
) -> dict:
    """Load `spec` on 127.0.0.1:port for `seconds` with `connections`; the figures."""
    before = meter.snapshot() if meter else None
    if client_name(client) == "wrk":
        result = _run_wrk(port, spec, connections, seconds)
    else:
        result = asyncio.run(_python_load(port, spec, connections, seconds))
    result["client"] = client_name(client)
    result["ok"] = result["requests"] - result["non2xx"]
    result["rate"] = result["requests"] / result["seconds"]
    result["ok_rate"] = result["ok"] / result["seconds"]
    if meter and before:
        after = meter.snapshot()
        result["cpu_ms"] = {k: 1000 * (after[k] - before[k]) / max(result["requests"], 1) for k in before}
    return result


# --- the bare view ---------------------------------------------------------------------------


def bare(
    *, kind: str, port: int, workers: int, threads: int, connections: int, seconds: float, client: str = "auto"
) -> dict:
    """The bare view's figures under the same server, flags, client and connections."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SETTINGS_MODULE": "bench.bare.settings", "PYTHONPATH": str(ROOT)})
    server = production.start(kind=kind, port=port, workers=workers, threads=threads, env=env, project="bench.bare")
    try:
        spec = Load("GET", BARE_PATH)
        load(port, spec, connections=connections, seconds=2, client=client)  # warm-up
        meter = CpuMeter(server, database=None)
        return load(port, spec, connections=connections, seconds=seconds, meter=meter, client=client)
    finally:
        production.stop(server)


def bare_from_args(args: argparse.Namespace) -> dict:
    result = bare(
        kind=args.server,
        port=args.port + 1,
        workers=args.workers,
        threads=args.server_threads,
        connections=args.connections,
        seconds=args.bare_duration,
        client=args.client,
    )
    print(
        f"bare view       {result['rate']:8.0f} req/s  p50 {result['p50_ms']:.1f} ms  p99 {result['p99_ms']:.1f} ms"
        f"  ({args.server} {args.workers}x{args.server_threads}, {result['client']} -c{args.connections},"
        f" non-2xx {result['non2xx']})",
        flush=True,
    )
    return result


def ratio_line(name: str, rate: float, bare_rate: float, unit: str = "/s") -> str:
    return f"{name:<15} {rate:8.0f}{unit}  = {rate / bare_rate:.3f}x the bare view ({bare_rate:.0f} req/s)"


def describe(name: str, result: dict, unit: str = "req/s") -> str:
    return (
        f"{name:<15} {result['ok_rate']:8.0f} {unit}  p50 {result['p50_ms']:.1f} ms  p90 {result['p90_ms']:.1f} ms"
        f"  p99 {result['p99_ms']:.1f} ms  max {result['max_ms']:.1f} ms; ok {result['ok']},"
        f" non-2xx {result['non2xx']}, socket errors {result['socket_errors']}"
    )


def machine_line() -> str:
    load1, load5, _ = os.getloadavg()
    return f"machine: {os.cpu_count()} cores shared with other engineers; load average {load1:.2f} / {load5:.2f}"


# --- CPU per request -----------------------------------------------------------------------


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used, 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def children_of(master: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def _pg_backends(database: str) -> list[int]:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'"
            " AND pid <> pg_backend_pid()",
            [database],
        ).fetchall()
    return [r[0] for r in rows]


class CpuMeter:
    """CPU seconds of the server's processes, its PostgreSQL backends (when `database`) and
    the client (wrk as a child, or this process) during a phase."""

    def __init__(self, server: subprocess.Popen, *, database: str | None) -> None:
        self.master = server.pid
        self.database = database

    def snapshot(self) -> dict[str, float]:
        own = os.times()
        return {
            "app": sum(cpu_of(p) for p in [self.master, *children_of(self.master)]),
            "pg": sum(cpu_of(p) for p in _pg_backends(self.database)) if self.database else 0.0,
            "client": own.children_user + own.children_system + own.user + own.system,
        }


def cpu_line(name: str, result: dict) -> str:
    cpu = result.get("cpu_ms")
    if not cpu:
        return ""
    total = sum(cpu.values())
    cores = os.cpu_count() or 2
    return (
        f"cpu/request     {name:<8} app {cpu['app']:.2f} ms + PostgreSQL {cpu['pg']:.2f} ms + client"
        f" {cpu['client']:.2f} ms = {total:.2f} ms -> {1000 * cores / total:.0f}/s if {cores} cores were ours"
    )

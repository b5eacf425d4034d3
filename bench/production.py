"""The production server setup the HTTP benchmarks measure, in one place (README, "Running on
PostgreSQL and Redis"): granian's WSGI workers for the HTTP API. Django's views are
synchronous; under an ASGI worker each request hops to a thread and back, which measured about
three times the CPU per request on this 2-core machine. WebSockets are served by the ASGI app
(`backend.asgi`) on its own processes behind the same proxy.

`kind` lets a benchmark compare: "granian" (default), "gunicorn" (sync workers), "asgi"
(gunicorn + uvicorn workers, everything on ASGI).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("granian", "gunicorn", "asgi")


def command(*, kind: str, port: int, workers: int, threads: int, project: str = "backend") -> list[str]:
    """`project`: the package with `wsgi.py`/`asgi.py` ("bench.bare" for the bare view)."""
    bin_dir = ROOT / ".venv/bin"
    if kind == "granian":
        return [
            str(bin_dir / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--blocking-threads", str(threads), "--no-ws", "--log-level", "warning",
            f"{project}.wsgi:application",
        ]  # fmt: skip
    gunicorn = [str(bin_dir / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", str(workers), "--backlog", "2048"]
    if kind == "asgi":
        return [*gunicorn, "-k", "uvicorn.workers.UvicornWorker", f"{project}.asgi:application"]
    return [*gunicorn, "-k", "sync", f"{project}.wsgi:application"]


def start(
    *, kind: str, port: int, workers: int, threads: int, env: dict[str, str], project: str = "backend"
) -> subprocess.Popen:
    """Start the server in its own process group and wait until /healthz answers 200."""
    proc = subprocess.Popen(
        command(kind=kind, port=port, workers=workers, threads=threads, project=project),
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"})
            with urllib.request.urlopen(req, timeout=2) as answer:
                if answer.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise RuntimeError("server did not answer /healthz within 60 s")


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass

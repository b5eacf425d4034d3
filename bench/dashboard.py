#!/usr/bin/env python
"""一屏观全域 benchmark: the dashboard of the district, a street and a community at district
scale, cold and cached, over HTTP through the production server setup, against the bare
view under the same server (bench/harness.py); and the open-data export of the district over a year.

    .venv/bin/python bench/dashboard.py                     # defaults below
    .venv/bin/python bench/dashboard.py --appeals 200000 --cases 20000 --residents 100000 --runs 30

What it does, in one run:
1. database `yd_bench_dashboard` (BENCH_DATABASE_URL; created if missing, migrated); the
   district's real grid shape, N residents with verified homes (half of them logged in during
   the last 60 days), and by bulk inserts only what is missing: appeals and mediation cases spread
   over the last year and over the micro-grids, 12 counted district rounds with the ballots of
   the latest, deliveries;
2. the production server (bench/production.py: granian WSGI; DEBUG off, PostgreSQL with the
   per-process pool, Redis on BENCH_REDIS_URL), first with the dashboard cache off (`DASHBOARD_CACHE_SECONDS=0`: every
   request computes the figures, "cold"), then with it on ("cached": the document from Redis);
3. sequential requests on one keep-alive connection (so a percentile is one request's latency,
   not queueing): p50/p99 of each area and period with the server's and PostgreSQL's CPU per
   request, and of the bare view (bench/harness.py, same server and flags, one connection);
4. the open-data ZIP of the district over a year: time to the last byte, size, rows, and the
   peak resident memory of the server's workers above their level before the download.
The figures compete for the machine's 2 cores with whatever else runs: say so when quoting them.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import random
import statistics
import sys
import threading
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import harness, production  # noqa: E402

DB_URL = harness.database_url("yd_bench_dashboard")
BATCH = 5000


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--appeals", type=int, default=200_000)
    p.add_argument("--cases", type=int, default=20_000)
    p.add_argument("--residents", type=int, default=100_000)
    p.add_argument("--consultations", type=int, default=2_000)
    p.add_argument("--rounds", type=int, default=12)
    p.add_argument("--deliveries", type=int, default=20_000)
    p.add_argument("--runs", type=int, default=30, help="cold requests per area")
    p.add_argument("--cached-runs", type=int, default=300, help="cached (and bare) requests per area")
    harness.add_server_args(p, port=8240, connections=1)
    p.add_argument("--seed-only", action="store_true", help="build the district and stop (after --explain)")
    p.add_argument(
        "--explain", action="store_true",
        help="also EXPLAIN ANALYZE every query of the district's document over a year (less load-sensitive)",
    )  # fmt: skip
    return p.parse_args()


def server_env(*, cache_seconds: int) -> dict[str, str]:
    return harness.server_env(
        database_url=DB_URL,
        redis_db=8,
        name="dashboard",
        THROTTLE_USER="100000000/min",
        DASHBOARD_CACHE_SECONDS=str(cache_seconds),
    )


# --- the district ------------------------------------------------------------------------


def seed(args: argparse.Namespace) -> dict[str, Any]:
    # The server's key and token lifetime (the tokens are made here), no Redis, eager Celery.
    env = server_env(cache_seconds=0)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DEV_KEYS", "SECRET_KEY", "JWT_ACCESS_MINUTES")})
    os.environ.update({"DJANGO_SETTINGS_MODULE": "backend.settings", "CELERY_TASK_ALWAYS_EAGER": "1"})
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from grids.demo import build_district
    from residents.demo import ensure_residents

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    with transaction.atomic():
        shape = build_district()
        made = ensure_residents(args.residents, shape["micro"])
    if made:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE residents_user SET last_login = now() - random() * interval '60 days'"
                " WHERE username LIKE 'demo_resident_%%' AND random() < 0.5"
            )
    print(f"seed: grid shape and {made} residents created ({time.monotonic() - started:.1f}s)", flush=True)
    rng = random.Random(15)
    _seed_appeals(args.appeals, shape, rng)
    _seed_cases(args.cases, shape, rng)
    _seed_consultations(args.consultations, shape, rng)
    _seed_rounds(args.rounds, shape, rng)
    _seed_deliveries(args.deliveries, shape, rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return shape


def _seed_appeals(target: int, shape: dict[str, list[Any]], rng: random.Random) -> None:
    from django.utils import timezone

    from appeals.models import GRID_LEVELS, Appeal, Category, Source

    have = Appeal.objects.count()
    if have >= target:
        return
    started = time.monotonic()
    now = timezone.now()
    places = shape["micro"] * 9 + shape["dedicated"] + shape["community"]  # mostly micro-grids
    parents = {u.pk: u for level in ("grid", "community") for u in shape[level]}
    categories, sources = Category.values, Source.values
    for start in range(have, target, BATCH):
        rows = []
        for i in range(start, min(start + BATCH, target)):
            place = rng.choice(places)
            handling = parents[place.parent_id] if place.level in {"micro", "dedicated"} else place
            created = now - timedelta(seconds=rng.randrange(365 * 86400))
            escalations = 1 if rng.random() < 0.08 else 0
            fate = rng.random()
            accepted = created + timedelta(hours=rng.uniform(0.2, 30)) if fate < 0.92 else None
            resolved = accepted + timedelta(hours=rng.uniform(1, 200)) if accepted and fate < 0.85 else None
            resolved = resolved if resolved is None or resolved < now else None
            due = created + timedelta(days=rng.choice((3, 5, 7, 15)))
            score = rng.choice((1, 2, 3, 4, 4, 5, 5, 5)) if resolved and rng.random() < 0.6 else None
            status = ("closed" if score else "resolved") if resolved else ("accepted" if accepted else "submitted")
            if fate > 0.97:
                status, accepted = "rejected", None
            rows.append(
                Appeal(
                    number=f"B{i:09d}",
                    source=rng.choice(sources) if rng.random() < 0.3 else "miniprogram",
                    category=rng.choice(categories),
                    title="压测",
                    description="压测",
                    grid_id=place.pk,
                    grid_path=place.path,
                    handling_grid_id=handling.pk,
                    handling_path=handling.path,
                    level=handling.level,
                    status=status,
                    accept_due_at=created + timedelta(days=1),
                    due_at=due,
                    is_overdue=status in {"submitted", "accepted"} and due < now,
                    accepted_at=accepted,
                    resolved_at=resolved,
                    closed_at=resolved if score else None,
                    escalations=escalations,
                    left_grid=bool(escalations) or place.level not in GRID_LEVELS,
                    score=score,
                    rated_at=resolved if score else None,
                    created_at=created,
                )
            )
        Appeal.objects.bulk_create(rows, batch_size=BATCH)
    _mark_repeats()
    print(f"seed: {target - have} appeals ({time.monotonic() - started:.1f}s)", flush=True)


def _mark_repeats() -> None:
    """What intake stores at submission (appeals.figures.is_repeat), for the bulk-made rows."""
    from django.db.models import Exists, OuterRef

    from appeals.figures import REPEAT_WINDOW
    from appeals.models import Appeal

    earlier = Appeal.objects.filter(
        grid_path=OuterRef("grid_path"),
        category=OuterRef("category"),
        resolved_at__gte=OuterRef("created_at") - REPEAT_WINDOW,
        resolved_at__lt=OuterRef("created_at"),
    ).exclude(pk=OuterRef("pk"))
    Appeal.objects.filter(Exists(earlier), is_repeat=False).update(is_repeat=True)


def _seed_cases(target: int, shape: dict[str, list[Any]], rng: random.Random) -> None:
    from django.db import connection
    from django.utils import timezone

    from mediation.models import Case, Category, FollowUp, Referral

    have = Case.objects.count()
    if have >= target:
        return
    started = time.monotonic()
    now = timezone.now()
    places = shape["micro"] + shape["dedicated"]
    for start in range(have, target, BATCH):
        rows = []
        for _ in range(start, min(start + BATCH, target)):
            place = rng.choice(places)
            fate = rng.random()
            outcome = "agreed" if fate < 0.6 else ("failed" if fate < 0.75 else "")
            status = {"agreed": "closed", "failed": "failed"}.get(outcome) or rng.choice(("applied", "mediating"))
            rows.append(
                Case(
                    category=rng.choice(Category.values),
                    description="压测",
                    grid_id=place.pk,
                    grid_path=place.path,
                    status=status,
                    outcome=outcome,
                    outcome_at=now - timedelta(seconds=rng.randrange(300 * 86400)) if outcome else None,
                    referral=rng.choice(Referral.values) if outcome == "failed" else "",
                    is_overdue=status == "mediating" and rng.random() < 0.3,
                )
            )
        made = Case.objects.bulk_create(rows, batch_size=BATCH)
        FollowUp.objects.bulk_create(
            [FollowUp(case=c, notes="回访", fulfilled=rng.random() < 0.8) for c in made if c.outcome == "agreed"],
            batch_size=BATCH,
        )
    with connection.cursor() as cursor:  # created_at is auto_now_add: spread it over the year
        cursor.execute(
            "UPDATE mediation_case SET created_at = COALESCE(outcome_at, now()) - random() * interval '60 days'"
        )
    print(f"seed: {target - have} mediation cases ({time.monotonic() - started:.1f}s)", flush=True)


def _seed_consultations(target: int, shape: dict[str, list[Any]], rng: random.Random) -> None:
    """Topics over the year: 40 % reach the threshold, 30 % get a resolution, most of those
    carried out; one meeting each with 3 to 15 signed in, and a few evaluations."""
    from django.utils import timezone

    from consultations.models import CheckIn, Consultation, ConsultationEvent, Evaluation, Meeting
    from residents.models import Residence

    have = Consultation.objects.count()
    if have >= target:
        return
    started = time.monotonic()
    now = timezone.now()
    people = list(Residence.objects.filter(status="verified").values_list("user_id", flat=True)[:5000])
    places = shape["micro"] * 4 + shape["grid"] + shape["community"]
    topics, fates = [], []
    for _ in range(have, target):
        place = rng.choice(places)
        created = now - timedelta(seconds=rng.randrange(365 * 86400))
        fate = rng.random()
        published = created + timedelta(days=rng.uniform(5, 30)) if fate < 0.3 else None
        published = published if published and published < now else None
        done = published + timedelta(days=rng.uniform(5, 40)) if published and fate < 0.22 else None
        done = done if done and done < now else None
        status = "evaluating" if done else ("publicized" if published else rng.choice(("collecting", "review")))
        topics.append(
            Consultation(
                grid=place,
                grid_path=place.path,
                level=place.level,
                title="压测",
                body="压测",
                author_id=rng.choice(people),
                status=status,
                support_count=rng.randrange(20),
                publicized_at=published,
                created_at=created,
            )
        )
        fates.append((fate, created, published, done))
    made = Consultation.objects.bulk_create(topics, batch_size=BATCH)
    events, meetings, evaluations = [], [], []
    for topic, (fate, created, published, done) in zip(made, fates, strict=True):
        if fate < 0.4:
            events.append(
                ConsultationEvent(consultation=topic, action="reach_threshold", at=created + timedelta(days=2))
            )
        if done:
            events.append(ConsultationEvent(consultation=topic, action="start_evaluation", at=done))
            evaluations += [
                Evaluation(consultation=topic, user_id=u, score=rng.randint(1, 5), satisfied=True, created_at=done)
                for u in rng.sample(people, 5)
            ]
        if published:
            meetings.append(Meeting(consultation=topic, scheduled_at=published - timedelta(days=2), place="社区",
                                    check_in_code="123456"))  # fmt: skip
    ConsultationEvent.objects.bulk_create(events, batch_size=BATCH)
    Evaluation.objects.bulk_create(evaluations, batch_size=BATCH)
    held = Meeting.objects.bulk_create(meetings, batch_size=BATCH)
    CheckIn.objects.bulk_create(
        [
            CheckIn(meeting=m, user_id=u, at=m.scheduled_at)
            for m in held
            for u in rng.sample(people, rng.randint(3, 15))
        ],
        batch_size=BATCH,
    )
    print(f"seed: {len(made)} consultations ({time.monotonic() - started:.1f}s)", flush=True)


def _seed_rounds(target: int, shape: dict[str, list[Any]], rng: random.Random) -> None:
    from django.utils import timezone

    from monthly.models import Ballot, Candidate, ProgressReport, Round
    from residents.models import Residence

    if Round.objects.count() >= target:
        return
    started = time.monotonic()
    district = shape["district"][0]
    now = timezone.now()
    voters = list(Residence.objects.filter(status="verified").values_list("user_id", flat=True))
    for k in range(target, 0, -1):
        opens = now - timedelta(days=30 * k - 5)
        month = opens.strftime("%Y-%m")
        round_ = Round.objects.create(
            scope=district, month=month, title=f"{month} 每月一事", nomination_ends=opens - timedelta(days=1),
            voting_starts=opens, voting_ends=opens + timedelta(days=7), status="completed" if k > 1 else "counted",
            eligible=len(voters), turnout=len(voters) * 3 // 10,
        )  # fmt: skip
        winner = Candidate.objects.create(round=round_, title="加装电梯")
        Round.objects.filter(pk=round_.pk).update(winner=winner)
        ProgressReport.objects.create(round=round_, content="进展", percent=100 if k > 1 else 40, created_at=now)
    chosen = rng.sample(voters, len(voters) * 3 // 10)
    Ballot.objects.bulk_create(
        [
            Ballot(round=round_, voter_id=v, receipt=f"bench-{round_.pk}-{v}", salt="s", sealed_choices="", cast_at=now)
            for v in chosen
        ],
        batch_size=BATCH,
    )
    print(f"seed: {target} rounds, {len(chosen)} ballots ({time.monotonic() - started:.1f}s)", flush=True)


def _seed_deliveries(target: int, shape: dict[str, list[Any]], rng: random.Random) -> None:
    from django.utils import timezone

    from notifications.models import Delivery, Message

    if Delivery.objects.count() >= target:
        return
    now = timezone.now()
    message = Message.objects.create(event="bench", title="压测")
    grids = shape["grid"]
    rows = []
    for _ in range(target):
        at = now - timedelta(seconds=rng.randrange(365 * 86400))
        dead = rng.random() < 0.02
        rows.append(
            Delivery(
                message=message,
                channel="group_chat",
                provider="wecom",
                grid_path=rng.choice(grids).path,
                status="dead" if dead else "sent",
                sent_at=None if dead else at,
                created_at=at,
            )
        )
    Delivery.objects.bulk_create(rows, batch_size=BATCH)


def people(shape: dict[str, list[Any]]) -> dict[str, tuple[int, str]]:
    """The staff of each measured area and their tokens: {area: (unit id, token)}."""
    from django.contrib.auth.hashers import make_password
    from rest_framework_simplejwt.tokens import AccessToken

    from grids.models import Assignment, Role
    from residents.models import User

    out = {}
    for area, unit in (
        ("district", shape["district"][0]),
        ("street", shape["street"][0]),
        ("community", shape["community"][0]),
    ):
        user, _ = User.objects.get_or_create(username=f"bench_{area}", defaults={"password": make_password(None)})
        Assignment.objects.get_or_create(user=user, unit=unit, role=Role.ADMIN if area == "district" else Role.STAFF)
        out[area] = (unit.pk, str(AccessToken.for_user(user)))
    return out


# --- measuring ---------------------------------------------------------------------------


class Client:
    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "X-Forwarded-Proto": "https"}

    def get(self, path: str) -> tuple[float, int, bytes]:
        started = time.perf_counter()
        self.conn.request("GET", path, headers=self.headers)
        answer = self.conn.getresponse()
        body = answer.read()
        return (time.perf_counter() - started) * 1000, answer.status, body


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):7.1f} ms   p99 {p99:7.1f} ms   (n={len(ordered)})"


def measure(client: Client, path: str, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        ms, status, body = client.get(path)
        if status != 200:
            sys.exit(f"{path}: {status} {body[:300]!r}")
        samples.append(ms)
    return samples


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def export(port: int, token: str, query: str, workers: list[int]) -> None:
    base = {pid: _rss_kb(pid) for pid in workers}
    peak = dict(base)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for pid in workers:
                peak[pid] = max(peak[pid], _rss_kb(pid))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    ms, status, body = Client(port, token).get(f"/api/v1/open-data?{query}")
    done.set()
    watcher.join()
    if status != 200:
        sys.exit(f"open-data: {status} {body[:300]!r}")
    archive = zipfile.ZipFile(io.BytesIO(body))
    rows = {n: archive.read(n).count(b"\n") - 1 for n in archive.namelist() if n.endswith(".csv")}
    growth = max(peak[pid] - base[pid] for pid in workers) / 1024
    print(f"open data, district, a year: {ms / 1000:.2f} s, {len(body) / 1e6:.1f} MB zip, rows {rows}")
    print(f"  worker RSS: before {max(base.values()) / 1024:.0f} MB, peak growth {growth:.1f} MB")


def explain(unit_id: int, year_days: int) -> None:
    """Each query the district's document over a year makes, as PostgreSQL runs it: its execution
    time (EXPLAIN ANALYZE, TIMING OFF) and the CPU its backend spent (the least load-sensitive
    figure: on a busy machine the wall time is mostly waiting for a core), best of 3, in the
    dashboard's reporting settings but without parallel workers (whose CPU the backend's
    does not include)."""
    from datetime import timedelta

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from backend.periods import Period, reporting_queries
    from dashboard import selectors
    from grids.models import GridUnit
    from residents.models import User

    today = timezone.localdate()
    period = Period(today - timedelta(days=year_days - 1), today)
    user = User.objects.get(username="bench_district")
    with CaptureQueriesContext(connection) as ctx:
        selectors.build(user=user, unit=GridUnit.objects.get(pk=unit_id), period=period)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    total, total_cpu = 0.0, 0.0
    for query in ctx.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().startswith(("SELECT", "(SELECT")):
            continue
        best, best_cpu = float("inf"), float("inf")
        for _ in range(3):
            with reporting_queries(), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                before = harness.cpu_of(backend)
                cursor.execute("EXPLAIN (ANALYZE, TIMING OFF) " + sql)
                best_cpu = min(best_cpu, 1000 * (harness.cpu_of(backend) - before))
                best = min(best, float(cursor.fetchall()[-1][0].split()[2]))
        total, total_cpu = total + best, total_cpu + best_cpu
        print(f"  explain {best:8.1f} ms, CPU {best_cpu:6.0f} ms  {' '.join(sql.split())[:90]}")
    print(f"explain: district, a year: {total:.1f} ms of PostgreSQL execution, {total_cpu:.0f} ms of its CPU,"
          f" {len(ctx.captured_queries)} queries")  # fmt: skip


def main() -> None:
    args = parse_args()
    harness.ensure_database(DB_URL)
    shape = seed(args)
    staff = people(shape)
    if args.explain:
        print(harness.machine_line(), flush=True)
        explain(staff["district"][0], 365)
    if args.seed_only:
        return
    from django.utils import timezone

    today = timezone.localdate()
    year = f"from={today - timedelta(days=364)}&to={today}"
    areas = [
        ("district, a year", "district", year),
        ("district, 30 days", "district", ""),
        ("street, a year", "street", year),
        ("community, a year", "community", year),
    ]
    print(harness.machine_line(), flush=True)
    bare = harness.bare(
        kind=args.server, port=args.port + 1, workers=args.workers, threads=args.server_threads,
        connections=args.connections, seconds=args.bare_duration, client=args.client,
    )  # fmt: skip
    print(f"bare view, {args.connections} connection: p50 {bare['p50_ms']:.1f} ms  p99 {bare['p99_ms']:.1f} ms")
    print(f"server: {args.server}, {args.workers} workers x {args.server_threads} threads, on 2 shared cores")
    results: dict[str, dict[str, list[float]]] = {}
    for phase, cache_seconds in (("cold", 0), ("cached", 60)):
        server = production.start(
            kind=args.server, port=args.port, workers=args.workers, threads=args.server_threads,
            env=server_env(cache_seconds=cache_seconds),
        )  # fmt: skip
        try:
            for label, area, query in areas:
                unit_id, token = staff[area]
                client = Client(args.port, token)
                path = f"/api/v1/dashboard?grid={unit_id}&{query}"
                client.get(path)  # warm the worker (imports, connection pool) and, cached, the document
                runs = args.runs if phase == "cold" else args.cached_runs
                meter = harness.CpuMeter(server, database=DB_URL.rsplit("/", 1)[1])
                before = meter.snapshot()
                results.setdefault(label, {})[phase] = measure(client, path, runs)
                after = meter.snapshot()
                cpu = {k: 1000 * (after[k] - before[k]) / runs for k in ("app", "pg")}
                print(
                    f"{phase:6} {label:18} {percentiles(results[label][phase])}"
                    f"   cpu/request app {cpu['app']:.1f} ms + PostgreSQL {cpu['pg']:.1f} ms",
                    flush=True,
                )
            if phase == "cold":
                export(
                    args.port,
                    staff["district"][1],
                    f"grid={staff['district'][0]}&{year}",
                    harness.children_of(server.pid),
                )
        finally:
            production.stop(server)
    print(f"latency as a multiple of the bare view's p50 ({bare['p50_ms']:.1f} ms):")
    for label, _, _ in areas:
        cold, cached = (statistics.median(results[label][p]) for p in ("cold", "cached"))
        print(f"  {label:18} cold {cold / bare['p50_ms']:6.1f}x   cached {cached / bare['p50_ms']:5.2f}x")
    print(harness.machine_line())


if __name__ == "__main__":
    main()

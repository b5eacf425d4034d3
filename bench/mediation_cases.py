"""Mediation at district scale: list, detail and figures through the production server,
against the bare view, and the overdue sweep.

    .venv/bin/python bench/mediation_cases.py [--cases 20000] [--seconds 4] [--connections 4]

Uses its own PostgreSQL database (BENCH_DATABASE_URL, default yd_bench_mediation, created and
migrated if missing; its rows are replaced on each run) and Redis (BENCH_REDIS_URL /
BENCH_BROKER_URL, default 6379 dbs 6 and 7). Measures the bare view (bench/harness.py), then
each call through the production server setup (bench/production.py) with the same client and
connections: requests/s, p50/p99 and the ratio to the bare view; the queries each call makes
are counted once in-process (Django's test client).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEV_KEYS", "1")  # not a deployment: development keys are fine
from bench import harness, production  # noqa: E402

DB_URL = harness.database_url("yd_bench_mediation")
ENV = {
    "DATABASE_URL": DB_URL,
    **harness.redis_env(default_db=6),
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "THROTTLE_USER": "1000000/min",  # one user asks thousands of times a minute here
    "DJANGO_SETTINGS_MODULE": "backend.settings",
    "DEBUG": "0",
    "SECRET_KEY": "bench-mediation-not-a-deployment-secret-0123456789abcdef",
    "LOG_LEVEL": "WARNING",
    "CACHE_KEY_PREFIX": "bench-mediation",
}
os.environ.update(ENV)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=4, help="seconds of load per call")
    harness.add_server_args(parser, port=18060, connections=4)
    args = parser.parse_args()

    print(harness.machine_line())
    harness.ensure_database(DB_URL)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _run(args)


def _run(args: argparse.Namespace) -> None:
    n_cases = args.cases
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import RefreshToken

    from grids.models import Assignment, GridLevel, GridUnit, Role
    from mediation.models import Case, CaseEvent, MediationTeam, MemberRole, Party, TeamMember
    from mediation.services import cases_flag_overdue
    from residents.models import User

    rng = random.Random(7)
    # A fresh shape each run: 1 district, 4 streets, 20 communities, 100 grids, 500 micro-grids.
    Case.objects.all().delete()
    TeamMember.objects.all().delete()
    MediationTeam.objects.all().delete()
    Assignment.objects.all().delete()
    User.objects.filter(username__startswith="bench_").delete()
    for depth in range(4, -1, -1):  # children first: a parent is protected
        GridUnit.objects.filter(code__startswith="B", depth=depth).delete()

    def unit(parent: GridUnit | None, level: str, code: str) -> GridUnit:
        return GridUnit.objects.create(parent=parent, level=level, code=code, name=code)

    district = unit(None, GridLevel.DISTRICT, "B0")
    streets = [unit(district, GridLevel.STREET, f"B0{i}") for i in range(4)]
    communities = [unit(s, GridLevel.COMMUNITY, f"{s.code}{i}") for s in streets for i in range(5)]
    grids = [unit(c, GridLevel.GRID, f"{c.code}{i}") for c in communities for i in range(5)]
    micros = [unit(g, GridLevel.MICRO, f"{g.code}{i}") for g in grids for i in range(5)]

    def user(name: str) -> User:
        return User.objects.create(username=f"bench_{name}", name=name)

    admin = user("admin")
    Assignment.objects.create(user=admin, unit=district, role=Role.ADMIN)
    staff = user("staff")
    Assignment.objects.create(user=staff, unit=streets[0], role=Role.STAFF)
    teams, mediators = [], []
    for c in communities:
        team = MediationTeam.objects.create(name=f"team {c.code}", kind="mediation_team", grid=c)
        lead = user(f"lead_{c.code}")
        TeamMember.objects.create(team=team, user=lead, role=MemberRole.LEAD)
        mediator = user(f"med_{c.code}")
        TeamMember.objects.create(team=team, user=mediator, role=MemberRole.MEDIATOR)
        teams.append(team)
        mediators.append(mediator)
    resident = user("resident")

    now = timezone.now()
    states = ["applied", "accepted", "mediating", "agreed", "failed", "closed", "declined"]
    team_of = {t.grid.path: t for t in teams}
    rows = []
    for i in range(n_cases):
        micro = micros[rng.randrange(len(micros))]
        state = states[i % len(states)]
        team = team_of[micro.ancestor_paths[2]] if state not in {"applied", "declined"} else None
        due = now + timedelta(days=rng.randint(-5, 30)) if team else None
        rows.append(
            Case(
                number=f"BENCH{i:07d}",
                category="neighbour",
                description="bench",
                grid=micro,
                grid_path=micro.path,
                status=state,
                team=team,
                applicant=resident if i % 500 == 0 else None,
                due_at=due,
                accepted_at=due - timedelta(days=30) if due else None,
                outcome={"agreed": "agreed", "closed": "agreed", "failed": "failed"}.get(state, ""),
                due_epoch=int((due or now).timestamp()),
            )
        )
    cases = Case.objects.bulk_create(rows, batch_size=5000)
    through = Case.mediators.through
    by_team = {t.pk: m for t, m in zip(teams, mediators, strict=True)}
    through.objects.bulk_create(
        [through(case_id=c.pk, user_id=by_team[c.team_id].pk) for c in cases if c.team_id], batch_size=5000
    )
    Party.objects.bulk_create(
        [Party(case=c, name="甲", role="applicant", phone="13800000000") for c in cases], batch_size=5000
    )
    CaseEvent.objects.bulk_create(
        [CaseEvent(case=c, action="apply", to_status="applied", at=now) for c in cases], batch_size=5000
    )
    connection.cursor().execute("ANALYZE")

    def token(u: User) -> str:
        return str(RefreshToken.for_user(u).access_token)

    def queries(u: User, url: str) -> int:
        c = Client(HTTP_AUTHORIZATION=f"Bearer {token(u)}", HTTP_X_FORWARDED_PROTO="https")
        c.get(url)  # warm
        with CaptureQueriesContext(connection) as q:
            assert c.get(url).status_code == 200
        return len(q)

    med = mediators[0]
    first = Case.objects.filter(team=teams[0]).order_by("pk").first()
    calls = [
        ("cases, mediator (page of 20)", med, "/api/v1/mediation/cases"),
        ("cases, street staff", staff, "/api/v1/mediation/cases"),
        ("cases, district admin", admin, "/api/v1/mediation/cases"),
        ("cases?status=mediating, 100", admin, "/api/v1/mediation/cases?status=mediating&page_size=100"),
        ("case detail, mediator", med, f"/api/v1/mediation/cases/{first.pk}"),
        ("figures, district", admin, f"/api/v1/mediation/figures?grid={district.pk}"),
        ("figures, street", staff, f"/api/v1/mediation/figures?grid={streets[0].pk}"),
    ]
    counted = {label: queries(u, url) for label, u, url in calls}
    visible_to_med = Case.objects.filter(team=teams[0]).count()
    print(f"cases {n_cases}; street staff sees ~{n_cases // 4}; one mediator's team has {visible_to_med}")
    bare = harness.bare_from_args(args)
    server = production.start(
        kind=args.server, port=args.port, workers=args.workers, threads=args.server_threads, env={**os.environ}
    )
    try:
        for label, u, url in calls:
            spec = harness.Load("GET", url, tokens=[token(u)])
            harness.load(args.port, spec, connections=args.connections, seconds=1, client=args.client)  # warm
            result = harness.load(
                args.port, spec, connections=args.connections, seconds=args.seconds, client=args.client
            )
            print(
                f"{label:<30} {result['ok_rate']:6.0f}/s = {result['ok_rate'] / bare['rate']:.3f}x bare;"
                f" p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms; queries {counted[label]};"
                f" non-2xx {result['non2xx']} {result.get('statuses', '')}"
            )
    finally:
        production.stop(server)

    t0 = time.perf_counter()
    flagged = cases_flag_overdue(now=now)
    elapsed = time.perf_counter() - t0
    print(f"flag_overdue_cases: {flagged} flagged in {elapsed:.2f} s ({flagged / max(elapsed, 1e-9):.0f}/s)")
    t0 = time.perf_counter()
    print(f"flag_overdue_cases again: {cases_flag_overdue(now=now)} flagged in {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main()

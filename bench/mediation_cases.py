"""Mediation at district scale: list, detail and figures latency, and the overdue sweep.

    .venv/bin/python bench/mediation_cases.py [--cases 20000] [--runs 40]

Uses its own PostgreSQL database (BENCH_DATABASE_URL, default yd_bench_mediation, created and
migrated if missing; its rows are replaced on each run) and goes through the real URL routing,
authentication, selectors and serializers in-process (Django's test client: no port needed).
Prints median and 95th-percentile milliseconds per call and the queries each call made.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yd_bench_mediation")
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DEV_KEYS", "1")  # not a deployment: development keys are fine
os.environ.pop("REDIS_URL", None)  # local-memory cache, eager Celery: nothing else to share
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
os.environ.setdefault("THROTTLE_USER", "1000000/min")
os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"


def _ensure_database() -> None:
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()

    _ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _run(args.cases, args.runs)


def _run(n_cases: int, runs: int) -> None:
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

    def client(u: User) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(u).access_token}")

    def measure(label: str, c: Client, url: str) -> None:
        c.get(url)  # warm
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            response = c.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.content[:200]
        with CaptureQueriesContext(connection) as q:
            c.get(url)
        p95 = sorted(times)[int(len(times) * 0.95) - 1]
        print(f"{label:<44} median {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  queries {len(q)}")

    med = mediators[0]
    visible_to_med = Case.objects.filter(team=teams[0]).count()
    print(f"cases {n_cases}; street staff sees ~{n_cases // 4}; one mediator's team has {visible_to_med}")
    print("machine: 2 cores, shared with other engineers' test runs; figures are indicative only")
    measure("GET cases (mediator, first page of 20)", client(med), "/api/v1/mediation/cases")
    measure("GET cases (street staff, first page)", client(staff), "/api/v1/mediation/cases")
    measure("GET cases (district admin, first page)", client(admin), "/api/v1/mediation/cases")
    measure(
        "GET cases?status=mediating (admin, 100)",
        client(admin),
        "/api/v1/mediation/cases?status=mediating&page_size=100",
    )
    first = Case.objects.filter(team=teams[0]).order_by("pk").first()
    measure("GET case detail (mediator)", client(med), f"/api/v1/mediation/cases/{first.pk}")
    measure("GET figures (district, 4 streets)", client(admin), f"/api/v1/mediation/figures?grid={district.pk}")
    measure("GET figures (street)", client(staff), f"/api/v1/mediation/figures?grid={streets[0].pk}")

    t0 = time.perf_counter()
    flagged = cases_flag_overdue(now=now)
    elapsed = time.perf_counter() - t0
    print(f"flag_overdue_cases: {flagged} flagged in {elapsed:.2f} s ({flagged / max(elapsed, 1e-9):.0f}/s)")
    t0 = time.perf_counter()
    print(f"flag_overdue_cases again: {cases_flag_overdue(now=now)} flagged in {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main()

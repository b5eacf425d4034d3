"""`python manage.py seed_demo [--residents N]`: the district's real grid shape, N residents
with verified homes, one demo account per role; then each app's own demo data (an app may
provide `demo.seed(shape, stdout)`). Re-running adds nothing that exists."""

from __future__ import annotations

import importlib
import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from grids.demo import build_district
from residents.demo import DEMO_PASSWORD, ensure_residents, ensure_role_accounts


class Command(BaseCommand):
    help = "Build the demo district (grid shape, residents, role accounts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=2000, help="demo residents (default 2,000)")

    def handle(self, *args, residents: int, **options) -> None:
        started = time.monotonic()
        with transaction.atomic():
            shape = build_district()
        counts = ", ".join(f"{level} {len(units)}" for level, units in shape.items())
        self.stdout.write(f"grid units: {counts} ({time.monotonic() - started:.1f}s)")

        mark = time.monotonic()
        with transaction.atomic():
            created = ensure_residents(residents, shape["micro"])
            accounts = ensure_role_accounts(shape)
        self.stdout.write(f"residents: {created} created, {residents} wanted ({time.monotonic() - mark:.1f}s)")

        for config in apps.get_app_configs():
            if config.name in {"grids", "residents"}:
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            with transaction.atomic():
                module.seed(shape=shape, stdout=self.stdout)

        self.stdout.write(self.style.SUCCESS(f"seed_demo done in {time.monotonic() - started:.1f}s"))
        self.stdout.write(f"Demo logins (POST /api/v1/auth/password-login), password: {DEMO_PASSWORD}")
        for username, role, unit in accounts:
            self.stdout.write(f"  {username:<24} {role:<15} {unit}")

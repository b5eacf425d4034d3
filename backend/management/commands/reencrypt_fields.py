"""Rewrite every encrypted field under the first of FIELD_ENCRYPTION_KEYS (key rotation).

    FIELD_ENCRYPTION_KEYS=new,old  python manage.py reencrypt_fields   # then drop `old`

Reading a row decrypts with whichever key opens it; `update()` writes it back encrypted with the
first. It works on every model with an EncryptedTextField without knowing the apps, in batches,
and stops at the first value no key opens, naming the model.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from backend.crypto import EncryptedTextField, UndecryptableField

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt every EncryptedTextField value under the first FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for model in apps.get_models():
            names = [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not names:
                continue
            rows = model._default_manager.order_by("pk")
            last: Any = None
            while True:
                page = rows.filter(pk__gt=last) if last is not None else rows
                try:
                    batch = list(page.values_list("pk", *names)[:BATCH])
                except UndecryptableField as exc:
                    raise CommandError(f"{model._meta.label} (after pk={last}): {exc}") from exc
                if not batch:
                    break
                last = batch[-1][0]
                with transaction.atomic():
                    for pk, *values in batch:
                        model._default_manager.filter(pk=pk).update(**dict(zip(names, values, strict=True)))
                total += len(batch)
            self.stdout.write(f"{model._meta.label}: {', '.join(names)}")
        self.stdout.write(self.style.SUCCESS(f"re-encrypted {total} rows"))

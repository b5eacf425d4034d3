"""Drops cached dashboard documents when something in their subtree changes.

Each unit path has a version key; a write bumps the keys of its unit and every ancestor once
its transaction commits, so only the documents of areas containing the change are rebuilt.
Rounds and progress reports bump one global key: an area's figures also read the rounds of the
units above it. Bulk updates and the busiest rows (ballots, deliveries, logins, meeting
sign-ins) do not signal; the minute the documents live bounds how stale those figures get.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from grids.models import GridUnit

GLOBAL = "dashboard:v:*"


def _path_key(path: str) -> str:
    return f"dashboard:v:{path}"


def version_keys(path: str) -> list[str]:
    """The keys a document of the unit at `path` was built at: every change in its subtree
    bumps the second (`bump` writes the changed unit's ancestors)."""
    return [GLOBAL, _path_key(path)]


def bump(path: str | None) -> None:
    """After commit: a new version for the unit at `path` and its ancestors (None: everyone)."""
    keys = [GLOBAL] if path is None else [_path_key(p) for p in GridUnit(path=path).ancestor_paths]
    stamp = time.time_ns()
    transaction.on_commit(lambda: cache.set_many(dict.fromkeys(keys, stamp), timeout=None))


def _by_grid_path(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.grid_path:
        bump(instance.grid_path)


def _by_case(sender: Any, instance: Any, **kwargs: Any) -> None:
    bump(instance.case.grid_path)


def _by_appeal(sender: Any, instance: Any, **kwargs: Any) -> None:
    bump(instance.appeal.grid_path)


def _by_consultation(sender: Any, instance: Any, **kwargs: Any) -> None:
    bump(instance.consultation.grid_path)


def _global(sender: Any, instance: Any, **kwargs: Any) -> None:
    bump(None)


def connect() -> None:
    from appeals.models import Appeal, AppealEvent
    from consultations.models import Consultation, ConsultationEvent, Evaluation
    from mediation.models import Case, CaseEvent, FollowUp
    from monthly.models import ProgressReport, Round, RoundEvent
    from residents.models import Residence

    for model, handler in (
        (Appeal, _by_grid_path),
        # Transitions are compare-and-set UPDATEs (backend.workflow): their timeline row signals.
        (AppealEvent, _by_appeal),
        (Consultation, _by_grid_path),
        (ConsultationEvent, _by_consultation),
        (Evaluation, _by_consultation),
        (Case, _by_grid_path),
        (CaseEvent, _by_case),
        (RoundEvent, _global),
        (Residence, _by_grid_path),
        (FollowUp, _by_case),
        (Round, _global),
        (ProgressReport, _global),
    ):
        post_save.connect(handler, sender=model, dispatch_uid=f"dashboard-{model._meta.label}-save")
        post_delete.connect(handler, sender=model, dispatch_uid=f"dashboard-{model._meta.label}-delete")

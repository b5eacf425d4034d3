"""一屏观全域: the dashboard document of a unit and a period, composed from each app's own
figures (`<app>.figures.figures(user=, unit=, period=)` → {"total", "children"}); this module
reads no app's tables itself.

The document is cached in Redis (the Django cache) per unit and period for a minute, and
dropped sooner when something in the subtree changes: writes bump a version per unit path
(dashboard.invalidation), and the cached document remembers the version it was built at.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from backend.errors import InvalidInput, NotFound
from backend.messages import Msg
from backend.periods import Period, reporting_queries
from grids.figures import children_of
from grids.models import GridUnit
from grids.roles import STAFF_ROLES
from grids.scope import ROOT, reach_paths

from . import invalidation

DEFAULT_DAYS = 30
MAX_DAYS = 366
CACHE_SECONDS = 60  # the most a document is kept, whatever the settings

BLOCKS = ("residents", "appeals", "mediation", "consultations", "monthly", "notifications")


def figures_module(app: str) -> Any:
    """`<app>.figures`: each block's figures and open-data table live with the app that owns them."""
    return import_module(f"{app}.figures")


def top_unit(*, user: Any) -> GridUnit:
    """The caller's top unit: the highest (then first) unit they are staff of."""
    paths = reach_paths(user, STAFF_ROLES)
    if not paths:
        raise NotFound()
    if ROOT in paths:
        unit = GridUnit.objects.filter(parent__isnull=True).order_by("path").first()
    else:
        unit = GridUnit.objects.filter(path__in=paths).order_by("depth", "path").first()
    if unit is None:
        raise NotFound()
    return unit


def period_of(start: date | None, end: date | None) -> Period:
    """The period asked for: default the last 30 days up to today; at most a year (366 days)."""
    today = timezone.localdate()
    end = end or (today if start is None else min(today, start + timedelta(days=DEFAULT_DAYS - 1)))
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidInput(
            Msg("开始日期不能晚于结束日期。", "`from` must not be after `to`."),
            code="invalid_period",
            fields={"from": [Msg("晚于 `to`。", "after `to`")]},
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(
            Msg("统计区间最长一年。", "The period may be a year at most."),
            code="period_too_long",
            fields={"to": [Msg("比 `from` 晚 {n} 天以上。", "more than {n} days after `from`").format(n=MAX_DAYS)]},
        )
    return Period(start, end)


def _unit_doc(unit: GridUnit) -> dict[str, Any]:
    return {"grid": unit.pk, "code": unit.code, "name": unit.name, "level": unit.level}


def build(*, user: Any, unit: GridUnit, period: Period) -> dict[str, Any]:
    """The document, uncached (module doc): every block for the subtree, then per child."""
    parts: dict[str, dict[str, Any]] = {}
    with reporting_queries():
        for block in BLOCKS:
            parts[block] = figures_module(block).figures(user=user, unit=unit, period=period)
    series = parts["appeals"].pop("series")

    def blocks(code: str | None) -> dict[str, Any]:
        out = {b: dict(parts[b]["total"] if code is None else parts[b]["children"][code]) for b in BLOCKS}
        residents = out["residents"]["total"]
        out["appeals"]["per_1000_residents"] = (
            round(out["appeals"]["received"] * 1000 / residents, 2) if residents else None
        )
        return out

    return {
        **_unit_doc(unit),
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        **blocks(None),
        "children": [{**_unit_doc(c), **blocks(c.code)} for c in children_of(unit)],
        "series": series,
        "generated_at": timezone.now().isoformat(),
    }


PATH_SECONDS = 24 * 3600  # a unit's path never changes: the look-up may stay long


def _unit_path(unit_id: int) -> str | None:
    """The path of unit `unit_id` (None: no such unit), from Redis when known, so a cached
    document is answered without reading the database for the unit."""
    key = f"dashboard:unit-path:{unit_id}"
    path = cache.get(key)
    if path is None:
        path = GridUnit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
        if path is not None:
            cache.set(key, path, PATH_SECONDS)
    return path


def dashboard(*, user: Any, unit_id: int | None, period: Period) -> bytes:
    """The document as JSON. Staff of the subtree only (404 otherwise, also for residents and
    for a unit that does not exist); `unit_id` None: the caller's top unit. Cached per unit and
    period as the rendered bytes: a hit costs the caller's reach (read once per request), two
    Redis round trips and no rendering (module doc)."""
    unit_id = unit_id or top_unit(user=user).pk
    path = _unit_path(unit_id)
    if path is None or not any(path.startswith(p) for p in reach_paths(user, STAFF_ROLES)):
        raise NotFound()
    key = f"dashboard:doc:{unit_id}:{period.key()}"
    version_keys = invalidation.version_keys(path)
    found = cache.get_many([key, *version_keys])
    version = [found.get(k) for k in version_keys]
    cached = found.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    unit = GridUnit.objects.get(pk=unit_id)
    body = json.dumps(build(user=user, unit=unit, period=period), ensure_ascii=False, separators=(",", ":")).encode()
    if settings.DASHBOARD_CACHE_SECONDS > 0:
        cache.set(key, (version, body), min(settings.DASHBOARD_CACHE_SECONDS, CACHE_SECONDS))
    return body

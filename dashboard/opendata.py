"""The open-data ZIP of an area and a period: one CSV per kind, each owned by its app
(`<app>.figures.open_table`), a README.md describing every column, and the LICENSE.

Only aggregates leave: counts per day and grid-level unit, no names, phones, free text or
addresses, no times finer than the day, and counts of 1 to 4 blanked (backend.opendata).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from backend.opendata import SUPPRESS_BELOW, OpenTable, readme, zip_stream
from backend.periods import Period
from grids.models import GridUnit

from .selectors import figures_module

# In the archive's order.
KINDS = ("appeals", "mediation", "consultations", "monthly")

LICENSE = """Creative Commons Attribution 4.0 International (CC BY 4.0)

This data set is published by the district's grid governance platform (原点在线) under the
Creative Commons Attribution 4.0 International licence: you may copy, redistribute, adapt and
build upon it for any purpose, even commercially, provided you credit "原点在线 open data" and
indicate whether you made changes. The full text of the licence is at
https://creativecommons.org/licenses/by/4.0/legalcode

The data is provided as is, without warranty of any kind.
"""


def _tables(*, user: Any, unit: GridUnit, period: Period) -> list[OpenTable]:
    return [figures_module(app).open_table(user=user, unit=unit, period=period) for app in KINDS]


def stream(*, user: Any, unit: GridUnit, period: Period) -> Iterator[bytes]:
    tables = _tables(user=user, unit=unit, period=period)
    intro = (
        f"Open data of {unit.code} ({unit.level}) and every unit in it, from {period.start} to {period.end} "
        "(days in Asia/Shanghai, both included). Each CSV is UTF-8 with a byte-order mark. No personal data: "
        "no names, phone numbers, free text or addresses; places are grid-level unit codes (micro-grids are "
        f"counted at their level-3 grid) and times are days. Count cells of 1 to {SUPPRESS_BELOW - 1} are left "
        "blank so that nobody can be singled out; 0 is shown. Licence: LICENSE (CC BY 4.0)."
    )
    return zip_stream(tables, {"README.md": readme("原点在线 open data", intro, tables), "LICENSE": LICENSE})

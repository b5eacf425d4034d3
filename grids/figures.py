"""What every app's dashboard figures share: the child units of a unit, and a SQL expression
naming the child a row's path falls under, so one GROUP BY gives the figures of every child.

The key of a row under `unit` is the code of the child unit its path runs through ("" for rows
at `unit` itself): `unit.path` = "/d/s/", row path "/d/s/c/g/m/" -> "c".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db.models import (
    Case,
    CharField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Concat, StrIndex, Substr

from backend.periods import Period

from .models import GridLevel, GridUnit


def children_of(unit: GridUnit) -> list[GridUnit]:
    """The unit's children by path, read once per unit object (every app's figures ask)."""
    if "_children" not in unit.__dict__:
        unit.__dict__["_children"] = list(GridUnit.objects.filter(parent=unit).order_by("path"))
    return unit.__dict__["_children"]


class _ChildKey(Func):
    """split_part(path, "/", n): the path's n-th "/"-separated piece (piece 1 is the "" before
    the leading "/"). One cheap call per row on PostgreSQL; the embedded SQLite demo has no
    split_part and gets the same piece by substring arithmetic."""

    function = "SPLIT_PART"
    output_field = CharField()

    def __init__(self, field: str, unit: GridUnit) -> None:
        self.prefix = len(unit.path)
        super().__init__(F(field), Value("/"), Value(unit.path.count("/") + 1))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        path = self.get_source_expressions()[0]
        tail = Substr(path, self.prefix + 1, output_field=CharField())
        end = StrIndex(Concat(tail, Value("/"), output_field=CharField()), Value("/"))
        piece = Substr(tail, 1, ExpressionWrapper(end - Value(1), output_field=IntegerField()))
        return compiler.compile(piece)


def child_key(field: str, unit: GridUnit) -> Func:
    """The child's code in `field` (a materialized path under `unit`); "" at `unit` itself."""
    return _ChildKey(field, unit)


def fold(rows: Iterable[Mapping[str, Any]], fields: Iterable[str], key: str = "child") -> dict[str, dict[str, int]]:
    """Grouped rows -> {child code: {field: n}}, and under "*" the sum over every row (the
    subtree: its children and the unit itself, key "")."""
    fields = list(fields)
    out: dict[str, dict[str, int]] = {}
    total = dict.fromkeys(fields, 0)
    for row in rows:
        out[row[key]] = {f: row[f] or 0 for f in fields}
        for f in fields:
            total[f] += row[f] or 0
    out["*"] = total
    return out


def shape_children(
    folded: Mapping[str, Mapping[str, int]],
    unit: GridUnit,
    shape: Callable[[dict[str, int]], dict[str, Any]],
    counts: Iterable[str],
) -> dict[str, Any]:
    """{"total": the subtree's figures, "children": {code: figures}} from `fold`'s counts; a
    child with no rows gets the figures of zero counts."""
    zeros = dict.fromkeys(counts, 0)
    return {
        "total": shape(dict(folded.get("*", zeros))),
        "children": {c.code: shape(dict(folded.get(c.code, zeros))) for c in children_of(unit)},
    }


def grid_level_code(field: str = "grid") -> Case:
    """Open data places things at the grid level: a micro-grid's level-3 grid, any other unit
    itself (the FK `field` to GridUnit)."""
    return Case(
        When(**{f"{field}__level": GridLevel.MICRO}, then=F(f"{field}__parent__code")),
        default=F(f"{field}__code"),
        output_field=CharField(),
    )


def per_day_and_grid(rows: QuerySet, unit: GridUnit, period: Period, *dimensions: str) -> QuerySet:
    """An open table's groups: the rows of `unit`'s subtree created in `period` (a
    backend.periods.Period), per local day of creation, grid-level code and `dimensions`, in
    that order; the caller annotates the counts."""
    return (
        rows.filter(grid_path__startswith=unit.path, created_at__gte=period.since, created_at__lt=period.until)
        .values(*dimensions, date=period.local_day("created_at"), grid_code=grid_level_code())
        .order_by("date", "grid_code", *dimensions)
    )

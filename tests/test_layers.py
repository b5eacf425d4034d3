"""The layer order of DESIGN.md, checked on the source: every import of every module of each
app (module-level and inside functions, parsed with `ast`) points downward only.

    backend  <-  grids  <-  residents  <-  notifications  <-  {appeals, consultations,
                                                              mediation, monthly, resources, dashboard}

backend/ is the project package and shared plumbing: it imports no app (apps are named in
settings and urls by string). The domain apps sit on one level: one may use another's
services and selectors (appeals hands a dispute to mediation; the dashboard reads them all),
never the layers below them importing up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RANK = {"backend": 0, "grids": 1, "residents": 2, "notifications": 3}
DOMAIN = ["appeals", "consultations", "mediation", "monthly", "resources", "dashboard"]
RANK.update({app: 4 for app in DOMAIN})


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _upward(app: str) -> list[str]:
    wrong = []
    for path in sorted((ROOT / app).rglob("*.py")):
        for target in _imports(path) & set(RANK):
            if target != app and RANK[target] > RANK[app]:
                wrong.append(f"{path.relative_to(ROOT)} imports {target}")
    return wrong


@pytest.mark.parametrize("app", [app for app in RANK if (ROOT / app).is_dir()])
def test_no_import_runs_against_the_layer_order(app: str) -> None:
    assert _upward(app) == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from appeals import services\nimport grids.models\n", encoding="utf-8")
    assert _imports(module) == {"appeals", "grids"}

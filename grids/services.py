"""Writes on the grid tree."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from backend.errors import Conflict, InvalidInput
from backend.messages import Msg

from .models import CHILD_LEVELS, GridUnit
from .scope import ensure_admin_of


@transaction.atomic
def unit_create(*, actor: Any, parent: GridUnit | None, name: str, level: str, code: str) -> GridUnit:
    if parent is None:
        if not actor.is_superuser:
            raise InvalidInput(Msg("请指定上级网格。", "A parent unit is required."), fields={"parent": ["required"]})
    else:
        ensure_admin_of(actor, parent)
    if level not in CHILD_LEVELS[parent.level if parent else None]:
        raise InvalidInput(
            Msg("该层级不能设在此上级之下。", "This level cannot sit under that parent."),
            code="invalid_level",
            fields={"level": [f"not allowed under {parent.level if parent else 'nothing'}"]},
        )
    try:
        with transaction.atomic():
            return GridUnit.objects.create(parent=parent, name=name, level=level, code=code)
    except IntegrityError as exc:
        raise Conflict(
            Msg("网格代码已存在。", "This unit code exists."), code="duplicate_code", fields={"code": ["taken"]}
        ) from exc

"""Writes on the grid tree."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from backend.errors import Conflict, InvalidInput
from backend.messages import REQUIRED, TAKEN, Msg

from .models import CHILD_LEVELS, Assignment, GridUnit
from .roles import ADMIN_ROLES
from .scope import ensure_admin_of, ensure_in_reach, forget_reach


@transaction.atomic
def unit_create(*, actor: Any, parent: GridUnit | None, name: str, level: str, code: str) -> GridUnit:
    if parent is None:
        if not actor.is_superuser:
            raise InvalidInput(Msg("请指定上级网格。", "A parent unit is required."), fields={"parent": [REQUIRED]})
    else:
        ensure_admin_of(actor, parent)
    if level not in CHILD_LEVELS[parent.level if parent else None]:
        raise InvalidInput(
            Msg("该层级不能设在此上级之下。", "This level cannot sit under that parent."),
            code="invalid_level",
            fields={
                "level": [
                    Msg("不能位于 {under} 之下。", "not allowed under {under}").format(
                        under=parent.level if parent else "nothing"
                    )
                ]
            },
        )
    try:
        with transaction.atomic():
            return GridUnit.objects.create(parent=parent, name=name, level=level, code=code)
    except IntegrityError as exc:
        raise Conflict(
            Msg("网格代码已存在。", "This unit code exists."), code="duplicate_code", fields={"code": [TAKEN]}
        ) from exc


@transaction.atomic
def assignment_create(*, actor: Any, unit: GridUnit, user: Any, role: str) -> Assignment:
    """An admin of the unit's subtree gives `user` a role there (once: 409 `duplicate_assignment`)."""
    ensure_in_reach(actor, unit, ADMIN_ROLES)
    assignment, created = Assignment.objects.get_or_create(
        user=user, unit=unit, role=role, defaults={"assigned_by": actor}
    )
    if not created:
        raise Conflict(Msg("该角色已分配。", "This role is already assigned."), code="duplicate_assignment")
    forget_reach(user)
    return assignment

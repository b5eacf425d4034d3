"""Reads of accounts and residences, always scoped to what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from backend.errors import NotFound
from grids.roles import HANDLER_ROLES
from grids.scope import path_q, reach_paths

from .models import Residence, ResidenceStatus, User


def residences_visible_to(*, user: Any) -> QuerySet[Residence]:
    """Staff-side: the residences in their subtrees; everyone: their own."""
    paths = reach_paths(user, HANDLER_ROLES)
    own = Residence.objects.filter(user=user)
    if not paths:
        return own
    return Residence.objects.filter(path_q(paths, "grid_path")) | own


def residence_get(*, user: Any, residence_id: int) -> Residence:
    residence = residences_visible_to(user=user).select_related("grid", "user").filter(pk=residence_id).first()
    if residence is None:
        raise NotFound()
    return residence


def current_residence(*, user: User, related: tuple[str, ...] = ("grid",)) -> Residence | None:
    """The verified home, else the pending claim, else the latest rejected one, with `related`
    read in the same query (appeals add the grid's parent: who handles a micro-grid's appeals)."""
    rows = list(user.residences.select_related(*related).exclude(status=ResidenceStatus.SUPERSEDED).order_by("-pk")[:5])
    for status in (ResidenceStatus.VERIFIED, ResidenceStatus.PENDING, ResidenceStatus.REJECTED):
        for row in rows:
            if row.status == status:
                return row
    return None


def verified_residents_under(*, path: str) -> QuerySet[Residence]:
    """Verified residences inside the subtree at `path`: the voters and announcement readers."""
    return Residence.objects.filter(status=ResidenceStatus.VERIFIED, grid_path__startswith=path)


def is_verified_resident_under(*, user: Any, path: str) -> bool:
    return verified_residents_under(path=path).filter(user_id=user.pk).exists()

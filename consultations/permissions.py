"""Who may do what to a consultation. Seeing it is the selectors' business (outside: 404);
these answer the next question, "may this caller, who sees it, act on it" (no: 403)."""

from __future__ import annotations

from typing import Any

from backend.errors import PermissionDenied
from backend.messages import Msg
from grids.roles import HANDLER_ROLES
from grids.scope import in_reach
from residents.models import Residence, ResidenceStatus

from .models import Consultation


def is_staff_of(user: Any, consultation: Consultation) -> bool:
    """Staff-side (admin, staff, grid leader or worker) with the topic's unit in reach."""
    return in_reach(user, consultation.grid, HANDLER_ROLES)


def verified_home(user: Any) -> Residence | None:
    """The user's verified residence (one row at most), cached on the user for the request.
    Only the columns scope needs: this runs on every consultation request."""
    if "_consultation_home" not in user.__dict__:
        user.__dict__["_consultation_home"] = (
            Residence.objects.filter(user_id=user.pk, status=ResidenceStatus.VERIFIED)
            .only("id", "user_id", "grid_id", "grid_path", "status")
            .first()
            if getattr(user, "is_authenticated", False)
            else None
        )
    return user.__dict__["_consultation_home"]


def lives_under(user: Any, path: str) -> bool:
    home = verified_home(user)
    return home is not None and home.grid_path.startswith(path)


def ensure_staff(user: Any, consultation: Consultation) -> None:
    if not is_staff_of(user, consultation):
        raise PermissionDenied(
            Msg("只有该网格的工作人员可以这样做。", "Only the unit's staff may do this."), code="not_staff"
        )


def ensure_resident(user: Any, consultation: Consultation) -> Residence:
    """A verified resident living inside the topic's unit: who supports and objects."""
    home = verified_home(user)
    if home is None:
        raise PermissionDenied(
            Msg("请先完成居住地核实。", "Your residence must be verified first."), code="not_verified"
        )
    if not home.grid_path.startswith(consultation.grid_path):
        raise PermissionDenied(
            Msg("只有本网格的居民可以这样做。", "Only residents of this unit may do this."), code="not_resident"
        )
    return home

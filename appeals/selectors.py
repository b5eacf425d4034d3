"""Reads of appeals, always scoped to the caller.

Who sees an appeal:
- its submitter;
- handlers (grids.roles.HANDLER_ROLES) of a subtree containing the unit that handles it now,
  or the unit it is about (so a grid worker still follows an appeal escalated above them);
- residents, the public appeals of their neighbourhood: the subtree of the level-3 grid their
  home micro-grid belongs to (or their dedicated grid itself).
Everything else answers 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from backend.errors import NotFound
from backend.workflow import allowed_actions
from grids.models import GridLevel, GridUnit
from grids.roles import HANDLER_ROLES
from grids.scope import ROOT, in_reach, path_q, reach_paths
from residents.models import ResidenceStatus
from residents.selectors import current_residence

from .models import REPLY_STATUSES, Appeal, AppealEvent, Source

# Where residents may place an appeal and whose public appeals they see.
USABLE_RESIDENCE = {ResidenceStatus.VERIFIED, ResidenceStatus.PENDING}


def parent_path(path: str) -> str:
    """ "/a/b/c/" -> "/a/b/"."""
    return path[: path.rstrip("/").rfind("/") + 1]


def handling_unit_for(unit: GridUnit) -> GridUnit:
    """Who handles an appeal about `unit`: a micro-grid's level-3 grid (its workers), a
    dedicated grid's community; any other unit handles its own."""
    if unit.level in {GridLevel.MICRO, GridLevel.DEDICATED} and unit.parent_id:
        return unit.parent if "parent" in unit._state.fields_cache else GridUnit.objects.get(pk=unit.parent_id)
    return unit


def home_of(user: Any) -> GridUnit | None:
    """The resident's home unit (verified, else pending claim), cached on the user."""
    if "_appeal_home" not in user.__dict__:
        # With the grid's parent: handling_unit_for(home) then reads nothing.
        residence = current_residence(user=user, related=("grid__parent",)) if user.is_authenticated else None
        home = residence.grid if residence and residence.status in USABLE_RESIDENCE else None
        user.__dict__["_appeal_home"] = home
    return user.__dict__["_appeal_home"]


def neighbourhood_path(user: Any) -> str | None:
    """The subtree of public appeals a resident sees: their home's level-3 grid (or dedicated grid)."""
    home = home_of(user)
    if home is None:
        return None
    return parent_path(home.path) if home.level == GridLevel.MICRO else home.path


def appeals_visible_to(*, user: Any) -> QuerySet[Appeal]:
    paths = reach_paths(user, HANDLER_ROLES)
    if ROOT in paths:
        return Appeal.objects.all()
    visible = Q(submitter_id=user.pk)
    if paths:
        visible |= path_q(paths, "handling_path") | path_q(paths, "grid_path")
    area = neighbourhood_path(user)
    if area:
        visible |= Q(is_public=True, grid_path__startswith=area)
    return Appeal.objects.filter(visible)


def appeal_list(*, user: Any) -> QuerySet[Appeal]:
    """The queue: what the caller may see (filtered by appeals/filters.py)."""
    return appeals_visible_to(user=user).select_related("handling_grid")


def appeal_get(*, user: Any, appeal_id: int) -> Appeal:
    appeal = appeals_visible_to(user=user).filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound()
    return appeal


def _detailed(rows: QuerySet[Appeal]) -> QuerySet[Appeal]:
    """With its timeline and photos, in a fixed number of queries."""
    return rows.select_related("handling_grid", "grid", "submitter", "accepted_by").prefetch_related(
        Prefetch("timeline", queryset=AppealEvent.objects.select_related("actor").order_by("at", "pk")),
        "attachments",
    )


def with_known_rows(appeal: Appeal, *, timeline: list[AppealEvent], attachments: list[Any]) -> Appeal:
    """A just-created appeal with the timeline and photos its creator holds in memory, as
    `_detailed`'s prefetch would have stored them, so answering with it reads nothing back."""
    for name, rows in (("timeline", timeline), ("attachments", attachments)):
        cached = getattr(appeal, name).all()
        cached._result_cache, cached._prefetch_done = list(rows), True
        appeal._prefetched_objects_cache = {**getattr(appeal, "_prefetched_objects_cache", {}), name: cached}
    return appeal


def appeal_detail(*, user: Any, appeal_id: int) -> Appeal:
    appeal = _detailed(appeals_visible_to(user=user)).filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound()
    return appeal


def hotline_appeal(*, appeal_id: int) -> Appeal:
    """What the 12345 platform is answered with: the appeal its own work order made."""
    return _detailed(Appeal.objects.filter(source=Source.HOTLINE)).get(pk=appeal_id)


def is_handler(user: Any, appeal: Appeal) -> bool:
    """May act on the appeal: a handler of the unit handling it now."""
    return in_reach(user, appeal.handling_grid, HANDLER_ROLES)


def public_appeals() -> QuerySet[Appeal]:
    """What the Open311 view publishes: appeals their submitters made public."""
    return Appeal.objects.filter(is_public=True)


HANDLER_ACTIONS = frozenset({"accept", "resolve", "reject", "escalate", "to_mediation"})
SUBMITTER_ACTIONS = frozenset({"reopen", "rate"})


def appeal_view(*, user: Any, appeal: Appeal) -> dict[str, Any]:
    """How `user` sees `appeal`: whether personal data shows, whether the phone is unmasked,
    and which actions they may take now, and whether showing it reveals someone else's phone
    (`logs_phone`: the view logs that access, PIPL; a read never writes)."""
    handler = is_handler(user, appeal)
    submitter = appeal.submitter_id is not None and appeal.submitter_id == user.pk
    may = (HANDLER_ACTIONS if handler else frozenset()) | (SUBMITTER_ACTIONS if submitter else frozenset())
    actions = [a for a in allowed_actions(appeal) if a in may]
    if (handler or submitter) and appeal.status in REPLY_STATUSES:
        actions.append("reply")
    logs_phone = (
        handler and not submitter and bool(appeal.contact_phone or (appeal.submitter and appeal.submitter.phone))
    )
    return {
        "logs_phone": logs_phone,
        "personal": submitter or handler or in_reach(user, appeal.grid, HANDLER_ROLES),
        "phone_unmasked": handler or submitter,
        "submitter_id": appeal.submitter_id,
        "actions": actions,
    }

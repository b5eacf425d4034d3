"""One small state-machine helper shared by every stateful model (appeals, cases, rounds).

Why not django-fsm(-2) or python-statemachine: we need the table as plain data (selectors
filter on "open states", the API lists allowed actions), and every transition must be a
compare-and-set UPDATE ... WHERE status IN (from states) in the caller's transaction, followed
by the model's own audit row. The decorator-based libraries hide the first and do not help
with the second; this is forty lines we can read at once.

A model declares:

    TRANSITIONS = {"accept": ({Status.SUBMITTED}, Status.ACCEPTED), ...}

and a service calls `apply_transition(obj, "accept")` on a row it has locked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from .errors import IllegalTransition
from .messages import Msg

Table = Mapping[str, tuple[Iterable[str], str]]


class Stateful(Protocol):
    status: str
    TRANSITIONS: Table


def allowed_actions(obj: Stateful) -> list[str]:
    """The actions the table allows from `obj`'s current status (not who may take them)."""
    return [action for action, (sources, _) in obj.TRANSITIONS.items() if obj.status in set(sources)]


def target_of(table: Table, action: str) -> str:
    return table[action][1]


def sources_of(table: Table, action: str) -> set[str]:
    return set(table[action][0])


def apply_transition(obj: Any, action: str, *, save: bool = True, update_fields: Iterable[str] = ()) -> tuple[str, str]:
    """Move `obj` (already locked with select_for_update) along `action`.

    Returns (from_status, to_status); raises IllegalTransition (409) when the table does not
    allow the action from the current status.
    """
    table: Table = type(obj).TRANSITIONS
    if action not in table:
        raise ValueError(f"{type(obj).__name__} has no transition {action!r}")
    sources, target = table[action]
    before = obj.status
    if before not in set(sources):
        raise IllegalTransition(
            Msg(f"当前状态（{before}）下不能执行“{action}”。", f"Cannot {action} while {before}."),
            fields={"status": [before]},
        )
    obj.status = target
    if save:
        obj.save(update_fields=["status", *update_fields])
    return before, target

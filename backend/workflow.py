"""Transitions and timelines: the one way every stateful object moves (appeals, mediation cases,
monthly rounds, consultations, deliveries, residences).

A use case reads, in its service (Zulip's `do_<verb>_<noun>` shape):

    @transaction.atomic
    def do_accept_appeal(*, appeal: Appeal, actor: User) -> Appeal:
        appeal = workflow.lock(appeal)                    # row lock on the appeal's row alone
        ensure_handler(actor, appeal)                     # 403 before anything moves
        workflow.transition(appeal, "accept", actor=actor, changes={"accepted_by": actor})
        notify(...)                                       # rows now, sending on commit
        return appeal

The model declares its table and its timeline model:

    class Appeal(workflow.Stateful):
        TRANSITIONS = {"accept": ({Status.SUBMITTED}, Status.ACCEPTED), ...}
        TIMELINE = "appeals.AppealEvent"

    class AppealEvent(workflow.TimelineEvent):
        subject_field = "appeal"
        appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="timeline")

Why our own forty lines and not django-fsm-2 or python-statemachine: we need the table as plain
data (selectors filter on "open states", the API lists allowed actions), every move must be a
compare-and-set `UPDATE … WHERE pk = %s AND status = %s` so that correctness does not rest on
each caller having locked the row, and every move writes the app's own timeline row in the same
transaction. django-fsm-2's `@transition` saves through `save()` (no compare-and-set) and keeps
no audit row; `ConcurrentTransitionMixin` compares every field. Neither helps with the timeline.

Locks (`lock`) take `SELECT … FOR UPDATE` on the subject's own row with no join: a lock query
that joins a row another transaction may repoint (an appeal's `handling_grid`) re-evaluates the
join after the wait and can find nothing (`DoesNotExist`, a 500 under concurrent escalations).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import prefetch_related_objects
from django.dispatch import Signal
from django.utils import timezone

from .errors import IllegalTransition
from .messages import Msg

Table = Mapping[str, tuple[Iterable[str], str]]
M = TypeVar("M", bound=models.Model)

# Sent after each timeline row is written, inside the writing transaction, with
# `subject` and `event`: an app above the subject's app reacts to its moves (linkage forwards
# mediation cases to the city's conflict system) without the subject's app importing it.
timeline_written = Signal()


class Stateful(models.Model):
    """A model with a `status`, a transition table and a timeline model (abstract)."""

    TRANSITIONS: ClassVar[Table] = {}
    # "app_label.ModelName" of its TimelineEvent subclass; "" for a model whose own columns are
    # its record (a residence keeps reviewed_by/reviewed_at): its moves then write no row.
    TIMELINE: ClassVar[str] = ""

    status: Any

    class Meta:
        abstract = True

    def allowed_actions(self) -> list[str]:
        """The actions the table allows from the current status (not who may take them)."""
        return allowed_actions(self)

    @classmethod
    def timeline_model(cls) -> type[TimelineEvent] | None:
        return apps.get_model(cls.TIMELINE) if cls.TIMELINE else None


class TimelineEvent(models.Model):
    """One row per thing that happened to a subject: who, when, action, from, to, note, details.

    A concrete subclass names its subject's foreign key in `subject_field` and declares it."""

    subject_field: ClassVar[str] = ""

    action = models.CharField(max_length=32)
    # None: the system (a periodic task) or an outside platform (12345, a webhook).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    note = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        subject_id = getattr(self, f"{self.subject_field}_id", None)
        return f"{subject_id} {self.action} {self.from_status}->{self.to_status}"


# --- the table ---------------------------------------------------------------------------


def allowed_actions(obj: Any) -> list[str]:
    return [action for action, (sources, _) in type(obj).TRANSITIONS.items() if obj.status in set(sources)]


def sources_of(model: type[models.Model] | Any, action: str) -> set[str]:
    return set(model.TRANSITIONS[action][0])


def target_of(model: type[models.Model] | Any, action: str) -> str:
    return model.TRANSITIONS[action][1]


def _illegal(action: str, status: str) -> IllegalTransition:
    return IllegalTransition(
        Msg(f"当前状态（{status}）下不能执行“{action}”。", f"Cannot {action} while {status}."),
        fields={"status": [status]},
    )


def check(obj: Any, action: str) -> tuple[str, str]:
    """Raise IllegalTransition (409) unless the table allows `action` now; (from, to) otherwise."""
    table: Table = type(obj).TRANSITIONS
    if action not in table:
        raise ValueError(f"{type(obj).__name__} has no transition {action!r}")
    sources, target = table[action]
    if obj.status not in set(sources):
        raise _illegal(action, obj.status)
    return obj.status, target


# --- locks -------------------------------------------------------------------------------


def lock(obj: M, *, related: Iterable[str] = ()) -> M:
    """The subject re-read under a row lock on its own row (no join), with `related` fetched
    after the lock by separate queries. Must run inside a transaction."""
    fresh = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    related = list(related)
    if related:
        prefetch_related_objects([fresh], *related)
    return fresh


# --- moves -------------------------------------------------------------------------------


def record(
    subject: Stateful,
    action: str,
    *,
    actor: Any = None,
    before: str = "",
    after: str = "",
    note: str = "",
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    **columns: Any,
) -> TimelineEvent:
    """A timeline row that is not a move (a reply, a flag, a reminder); `columns` are the
    concrete event model's own extra columns (e.g. an appeal event's from/to grid)."""
    model = type(subject).timeline_model()
    if model is None:
        raise ValueError(f"{type(subject).__name__} keeps no timeline")
    event = model._default_manager.create(
        **{model.subject_field: subject},
        action=action,
        actor=actor,
        from_status=before,
        to_status=after,
        note=note,
        details=dict(details or {}),
        at=at or timezone.now(),
        **columns,
    )
    timeline_written.send(sender=type(subject), subject=subject, event=event)
    return event


def transition(
    subject: Stateful,
    action: str,
    *,
    actor: Any = None,
    note: str = "",
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    changes: Mapping[str, Any] | None = None,
    event: Mapping[str, Any] | None = None,
    where: Mapping[str, Any] | None = None,
) -> TimelineEvent | None:
    """Move `subject` along `action`, saving `changes` (its other columns) with it, and write
    its timeline row (None for a model that keeps none). The move is a compare-and-set on the
    status the caller read (and on `where`, e.g. a delivery's lease token): if another
    transaction moved the row meanwhile, nothing is written and the answer is 409.

    `auto_now` columns are stamped here because `QuerySet.update` does not; model `save()`
    overrides do not run, so derived columns belong in `changes` (an expression such as
    `F("attempts") + 1` is saved but not re-read into the instance). `event` holds the timeline
    model's extra columns."""
    if not transaction.get_connection(subject._state.db or "default").in_atomic_block:
        raise RuntimeError("workflow.transition must run inside transaction.atomic")
    before, after = check(subject, action)
    now = at or timezone.now()
    values: dict[str, Any] = {"status": after, **(changes or {})}
    for field in subject._meta.concrete_fields:
        if getattr(field, "auto_now", False) and field.name not in values:
            values[field.name] = timezone.now()
    manager = type(subject)._default_manager
    if not manager.filter(pk=subject.pk, status=before, **(where or {})).update(**values):
        current = manager.filter(pk=subject.pk).values_list("status", flat=True).first()
        raise _illegal(action, current or before)
    for name, value in values.items():
        if not hasattr(value, "resolve_expression"):  # an F() expression: the database's value
            setattr(subject, name, value)
    if type(subject).timeline_model() is None:
        return None
    return record(
        subject, action, actor=actor, before=before, after=after, note=note, details=details, at=now, **(event or {})
    )

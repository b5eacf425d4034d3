"""Reads of consultations, always scoped to the caller.

Who sees a consultation: residents whose verified home lies inside its unit's subtree (the
topic's unit is one of their home's ancestors: one `IN` on the indexed path) unless its text is
held for moderation, staff-side people
(grids.roles.HANDLER_ROLES) whose reach covers its unit, and its author. Everyone else: 404,
for the topic and everything hanging off it (meetings, motions, objections).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, F, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from backend.errors import NotFound
from grids.models import Assignment, GridUnit
from grids.roles import HANDLER_ROLES
from grids.scope import ROOT, path_q, reach_paths
from residents.models import Residence, ResidenceStatus

from .models import (
    CheckIn,
    Consultation,
    ConsultationEvent,
    Evaluation,
    Follow,
    Meeting,
    MeetingRegistration,
    Motion,
    Objection,
    Post,
    PostStatus,
    ProgressReport,
    Support,
)
from .permissions import verified_home


def visible_q(user: Any) -> Q | None:
    """The condition on Consultation rows the caller may see; None: everything."""
    paths = reach_paths(user, HANDLER_ROLES)
    if ROOT in paths:
        return None
    visible = Q(author_id=user.pk)
    if paths:
        visible |= path_q(paths, "grid_path")
    home = verified_home(user)
    if home is not None:
        # A topic the content check held is its author's and staff's until a moderator passes it.
        home_unit = GridUnit(path=home.grid_path)  # its ancestors' paths are its path's prefixes
        visible |= Q(grid_path__in=home_unit.ancestor_paths, moderation=PostStatus.VISIBLE)
    return visible


def consultations_visible_to(*, user: Any) -> QuerySet[Consultation]:
    condition = visible_q(user)
    rows = Consultation.objects.all()
    return rows if condition is None else rows.filter(condition)


def _caller_did(model: type[Support] | type[Follow], user: Any) -> RawSQL:
    # Written out: the ORM's Exists(OuterRef) of the same took a millisecond of CPU to build on
    # every list page. The rows' own table is the query's outer alias (never used as a subquery).
    return RawSQL(
        f"EXISTS (SELECT 1 FROM {model._meta.db_table} d"
        f" WHERE d.consultation_id = {Consultation._meta.db_table}.id AND d.user_id = %s)",
        [user.pk],
        output_field=BooleanField(),
    )


def with_caller(rows: QuerySet[Consultation], user: Any) -> QuerySet[Consultation]:
    """Rows annotated with what the caller did (supported, following): two EXISTS, no more queries."""
    return rows.annotate(supported_by_me=_caller_did(Support, user), following=_caller_did(Follow, user))


# What a list row shows (api.ConsultationOut renders these rows): plain rows, since building
# model instances (the author's among them, whose encrypted phone would be decrypted) cost more
# CPU than the page's query.
LIST_COLUMNS = (
    "id",
    "grid_id",
    "level",
    "kind",
    "title",
    "status",
    "moderation",
    "author_id",
    "support_count",
    "post_count",
    "is_overdue",
    "created_at",
    "updated_at",
    "supported_by_me",
    "following",
)


def consultation_list(*, user: Any) -> QuerySet[Consultation]:
    return with_caller(consultations_visible_to(user=user), user).values(
        *LIST_COLUMNS,
        grid_name=F("grid__name"),
        author_nickname=F("author__nickname"),
    )


def consultation_get(*, user: Any, consultation_id: int) -> Consultation:
    found = consultations_visible_to(user=user).select_related("grid").filter(pk=consultation_id).first()
    if found is None:
        raise NotFound()
    return found


# `visible_q`'s rule on one row, as EXISTS on it (the caller's reach and verified home are not
# read first): a fixed statement, since the ORM's building of the same query cost about 2 ms of
# CPU per thread page, twenty times the query's own cost. Plain SQL that PostgreSQL and the
# embedded SQLite both read (paths hold digits and slashes only, so LIKE's wildcards are safe).
_HANDLER_ROLES = sorted(role.value for role in HANDLER_ROLES)
_VISIBLE_SQL = f"""
    SELECT 1 FROM {Consultation._meta.db_table} c
    WHERE c.id = %s AND (
        c.author_id = %s
        OR EXISTS (
            SELECT 1 FROM {Assignment._meta.db_table} a JOIN {GridUnit._meta.db_table} u ON u.id = a.unit_id
            WHERE a.user_id = %s AND a.role IN ({", ".join(["%s"] * len(_HANDLER_ROLES))})
            AND c.grid_path LIKE u.path || '%%')
        OR (c.moderation = %s AND EXISTS (
            SELECT 1 FROM {Residence._meta.db_table} r
            WHERE r.user_id = %s AND r.status = %s AND r.grid_path LIKE c.grid_path || '%%')))
"""


def ensure_visible(*, user: Any, consultation_id: int) -> None:
    """404 unless the caller sees the consultation, in one query, for reads that need only its
    id (a thread page)."""
    if user.is_superuser:
        if not Consultation.objects.filter(pk=consultation_id).exists():
            raise NotFound()
        return
    params = [
        consultation_id,
        user.pk,
        user.pk,
        *_HANDLER_ROLES,
        PostStatus.VISIBLE.value,
        user.pk,
        ResidenceStatus.VERIFIED.value,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_VISIBLE_SQL, params)
        if cursor.fetchone() is None:
            raise NotFound()


def consultation_detail(*, user: Any, consultation_id: int) -> Consultation:
    """With its timeline, meetings, objections and progress, in a fixed number of queries."""
    rows = with_caller(consultations_visible_to(user=user), user).select_related("grid", "author", "merged_into")
    found = (
        rows.prefetch_related(
            Prefetch("timeline", queryset=ConsultationEvent.objects.select_related("actor").order_by("at", "pk")),
            Prefetch("meetings", queryset=Meeting.objects.order_by("scheduled_at", "pk")),
            Prefetch("objections", queryset=_objections_for(user)),
            Prefetch("progress_reports", queryset=ProgressReport.objects.order_by("pk")),
        )
        .filter(pk=consultation_id)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def _objections_for(user: Any) -> QuerySet[Objection]:
    """Visible objections, and the caller's own held ones (only their author sees them)."""
    return Objection.objects.filter(Q(status=PostStatus.VISIBLE) | Q(author_id=user.pk)).order_by("pk")


def support_threshold(consultation: Consultation) -> int:
    return level_threshold(consultation.level)


def level_threshold(level: str) -> int:
    return int(settings.CONSULTATION_SUPPORT_THRESHOLDS.get(level, 10))


# --- meetings, motions, objections: found through a consultation the caller sees -----------


def _through_visible(rows: QuerySet, user: Any, pk: int, consultation: str = "consultation") -> Any:
    """One row of `rows` whose consultation (at the `consultation` path) the caller sees; else 404."""
    condition = visible_q(user)
    if condition is not None:
        rows = rows.filter(**{f"{consultation}__in": Consultation.objects.filter(condition)})
    found = rows.filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def meeting_get(*, user: Any, meeting_id: int) -> Meeting:
    return _through_visible(Meeting.objects.select_related("consultation__grid"), user, meeting_id)


def meeting_detail(*, user: Any, meeting_id: int) -> Meeting:
    meeting = meeting_get(user=user, meeting_id=meeting_id)
    meeting.registered_count = MeetingRegistration.objects.filter(meeting=meeting).count()
    meeting.checked_in_count = CheckIn.objects.filter(meeting=meeting).count()
    meeting.motion_rows = list(meeting.motions.order_by("pk"))
    meeting.me_registered = MeetingRegistration.objects.filter(meeting=meeting, user_id=user.pk).exists()
    meeting.me_checked_in = CheckIn.objects.filter(meeting=meeting, user_id=user.pk).exists()
    return meeting


def motion_get(*, user: Any, motion_id: int) -> Motion:
    rows = Motion.objects.select_related("meeting__consultation__grid")
    return _through_visible(rows, user, motion_id, consultation="meeting__consultation")


def objection_get(*, user: Any, objection_id: int) -> Objection:
    return _through_visible(Objection.objects.select_related("consultation__grid"), user, objection_id)


def current_meeting(consultation: Consultation) -> Meeting | None:
    """The meeting of this round of deliberation: the latest scheduled."""
    return consultation.meetings.order_by("-scheduled_at", "-pk").first()


def is_checked_in(user: Any, meeting: Meeting) -> bool:
    return CheckIn.objects.filter(meeting=meeting, user_id=user.pk).exists()


# --- participants ------------------------------------------------------------------------


def participant_ids(consultation: Consultation) -> set[int]:
    """Who took part and may evaluate: the author, supporters, those who signed in at one of its
    meetings, who wrote a visible post or an objection."""
    ids = {consultation.author_id}
    ids.update(Support.objects.filter(consultation=consultation).values_list("user_id", flat=True))
    ids.update(CheckIn.objects.filter(meeting__consultation=consultation).values_list("user_id", flat=True))
    ids.update(
        Post.objects.filter(consultation=consultation, status=PostStatus.VISIBLE).values_list("author_id", flat=True)
    )
    ids.update(Objection.objects.filter(consultation=consultation).values_list("author_id", flat=True))
    return ids


def evaluation_counts(consultation: Consultation) -> tuple[int, int]:
    """(satisfied, unsatisfied) of the current evaluation round."""
    rows = Evaluation.objects.filter(consultation=consultation, round=consultation.evaluation_round)
    satisfied = rows.filter(satisfied=True).count()
    return satisfied, rows.count() - satisfied


def follower_ids(consultation: Consultation) -> QuerySet:
    return Follow.objects.filter(consultation=consultation).values("user_id")


def unit_handlers(unit: GridUnit) -> QuerySet:
    """The staff and grid workers of the unit and of the units above it, short of the district."""
    from residents.models import User

    paths = [p for p in unit.ancestor_paths if p.count("/") > 2]
    return User.objects.filter(assignments__unit__path__in=paths, assignments__role__in=HANDLER_ROLES).distinct()

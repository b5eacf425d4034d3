"""The dashboard's 协商议事 figures (API.md "Dashboard") for a subtree and a period, and for each
child unit, in three grouped queries whatever the number of children.

A topic belongs to the subtree of the unit it lives at now (`grid_path`: an escalation moves it up).
- raised: topics raised in the period (merged and rejected ones too);
- `threshold_reached_rate`: of those, the ones whose supports reached their unit level's threshold
  (by now; a topic staff took up before that does not count) ÷ raised;
- resolved: topics whose resolution (决议) was published in the period;
- `implemented_rate`: of those, the ones whose work was since reported done (100 %, which opens
  the evaluation) ÷ resolved;
- `mean_attendance`: attendees signed in per meeting, over the meetings scheduled in the period
  that anyone signed in to;
- `evaluation_score`: the mean score (1–5) of the evaluations given in the period.
Rates and means are null when there is nothing to divide by.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from backend.opendata import OpenTable
from backend.periods import Period, rate
from grids.figures import child_key, children_of, fold, grid_level_code
from grids.models import GridUnit
from grids.roles import STAFF_ROLES
from grids.scope import ensure_in_reach

from .models import CheckIn, Consultation, ConsultationEvent, ConsultationKind, ConsultationStatus, Evaluation

TOPICS = ("raised", "reached", "resolved", "implemented")
MEETINGS = ("meetings", "check_ins")
EVALUATIONS = ("evaluations", "score_sum")


def _mean(total: int, n: int) -> float | None:
    return round(total / n, 2) if n else None


def _shape(row: dict[str, int]) -> dict[str, Any]:
    return {
        "raised": row["raised"],
        "threshold_reached_rate": rate(row["reached"], row["raised"]),
        "resolved": row["resolved"],
        "implemented_rate": rate(row["implemented"], row["resolved"]),
        "mean_attendance": _mean(row["check_ins"], row["meetings"]),
        "evaluation_score": _mean(row["score_sum"], row["evaluations"]),
    }


def _event(action: str, **after: Any) -> Exists:
    return Exists(ConsultationEvent.objects.filter(consultation=OuterRef("pk"), action=action, **after))


def _by_child(rows: QuerySet, unit: GridUnit, period: Period, *, path: str, at: str) -> QuerySet:
    """The rows under `unit` (their topic's `path`) dated (`at`) in the period, by child unit."""
    within = {f"{path}__startswith": unit.path, f"{at}__gte": period.since, f"{at}__lt": period.until}
    return rows.filter(**within).values(child=child_key(path, unit))


def figures(*, user: Any, unit: GridUnit, period: Period) -> dict[str, Any]:
    """{"total": figures, "children": {child code: figures}}; staff of the subtree only (404)."""
    ensure_in_reach(user, unit, STAFF_ROLES, hide=True)
    raised = Q(created_at__gte=period.since, created_at__lt=period.until)
    resolved = Q(publicized_at__gte=period.since, publicized_at__lt=period.until)
    topics = (
        Consultation.objects.filter(grid_path__startswith=unit.path)
        .filter(raised | resolved)
        .values(child=child_key("grid_path", unit))
        .annotate(
            raised=Count("pk", filter=raised),
            reached=Count("pk", filter=raised & Q(_event("reach_threshold"))),
            resolved=Count("pk", filter=resolved),
            # Done after this publication: a reopened topic is published (and carried out) again.
            implemented=Count("pk", filter=resolved & Q(_event("start_evaluation", at__gte=OuterRef("publicized_at")))),
        )
        .order_by()
    )
    meetings = (
        _by_child(
            CheckIn.objects.all(), unit, period, path="meeting__consultation__grid_path", at="meeting__scheduled_at"
        )
        .annotate(meetings=Count("meeting_id", distinct=True), check_ins=Count("pk"))
        .order_by()
    )
    evaluations = (
        _by_child(Evaluation.objects.all(), unit, period, path="consultation__grid_path", at="created_at")
        .annotate(evaluations=Count("pk"), score_sum=Sum("score"))
        .order_by()
    )
    # Each count adds up over children (and the unit itself), so the total is their sum.
    folded = [fold(topics, TOPICS), fold(meetings, MEETINGS), fold(evaluations, EVALUATIONS)]
    zeros = dict.fromkeys(TOPICS + MEETINGS + EVALUATIONS, 0)

    def counts(code: str) -> dict[str, int]:
        out = dict(zeros)
        for part in folded:
            out.update(part.get(code, {}))
        return out

    return {"total": _shape(counts("*")), "children": {c.code: _shape(counts(c.code)) for c in children_of(unit)}}


def open_table(*, user: Any, unit: GridUnit, period: Period) -> OpenTable:
    """Topics raised in the period, counted per day, grid and kind, with what became of them."""
    ensure_in_reach(user, unit, STAFF_ROLES, hide=True)
    published = Q(publicized_at__isnull=False)
    rows = (
        Consultation.objects.filter(
            grid_path__startswith=unit.path, created_at__gte=period.since, created_at__lt=period.until
        )
        .values(
            "kind",
            date=period.local_day("created_at"),
            grid_code=grid_level_code(),
        )
        .annotate(
            raised=Count("pk"),
            reached_threshold=Count("pk", filter=Q(_event("reach_threshold"))),
            rejected=Count("pk", filter=Q(status=ConsultationStatus.REJECTED)),
            merged=Count("pk", filter=Q(status=ConsultationStatus.MERGED)),
            converted=Count("pk", filter=Q(status=ConsultationStatus.CONVERTED)),
            resolved=Count("pk", filter=published),
            implemented=Count(
                "pk", filter=published & Q(_event("start_evaluation", at__gte=OuterRef("publicized_at")))
            ),
            closed=Count("pk", filter=Q(status=ConsultationStatus.CLOSED)),
            supports=Sum(F("support_count")),
        )
        .order_by("date", "grid_code", "kind")
    )
    columns = [
        ("date", "day the topic was raised (Asia/Shanghai), YYYY-MM-DD"),
        ("grid_code", "code of the level-3 grid (or the unit above it) the topic is at now"),
        ("kind", f"one of {', '.join(ConsultationKind.values)}"),
        ("raised", "topics raised"),
        ("reached_threshold", "of them, supported by enough households to go to review by themselves"),
        ("rejected", "of them, not taken up (rejected)"),
        ("merged", "of them, merged into another topic"),
        ("converted", "of them, handed on as an appeal or a 每月一事 nomination"),
        ("resolved", "of them, with a resolution (决议) published by now"),
        ("implemented", "of the resolved, with the work reported done by now"),
        ("closed", "of them, closed by now"),
        ("supports", "households supporting them (附议), all together"),
    ]
    return OpenTable(
        name="consultations",
        title="议事协商 (consultations)",
        description="Topics raised in the period, counted per day they were raised, grid and kind, with what "
        "became of them by now. Titles, posts, resolutions and who supported or took part are not published.",
        columns=columns,
        rows=rows,
        counts=frozenset(name for name, _ in columns[3:]),  # every column after the place and kind
    )

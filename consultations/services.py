"""Every write on a consultation's core life: one `do_<verb>_<noun>` per use case. Each checks
who may act (403), locks the topic's row, moves it through `backend.workflow` (409 when the
table forbids it; one timeline row per move) and notifies, in one transaction.

Posts, reports, moderation and content checks are the discussion half's (same app, own module).
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from appeals import services as appeal_services
from appeals.deadlines import add_working_days
from backend import workflow
from backend.content_check import ContentRejected, Scene, TextVerdict, label_meaning
from backend.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Throttled, require_reason
from backend.messages import REQUIRED, Msg
from grids.models import GridUnit
from grids.roles import HANDLER_ROLES
from grids.scope import in_reach, reach_paths
from monthly import services as monthly_services
from monthly.models import Round, RoundStatus
from monthly.selectors import is_eligible as monthly_eligible
from notifications.services import notify
from residents.models import User
from resources import services as resources_services
from resources.models import Station

from . import live, photos, selectors
from .discussion.services import held_label, held_status, log_hold, screen_text
from .models import (
    CONSULTATION_LEVELS,
    CheckIn,
    Consultation,
    ConsultationKind,
    ConsultationStatus,
    Evaluation,
    Follow,
    Meeting,
    MeetingRegistration,
    MinutesApproval,
    ModerationLog,
    Motion,
    MotionStatus,
    MotionVote,
    Objection,
    PostStatus,
    ProgressReport,
    Support,
    VoteChoice,
)
from .permissions import ensure_resident, ensure_staff, lives_under

S = ConsultationStatus
# States a meeting of the topic is live in (register, sign in, vote, minutes).
MEETING_STATES = frozenset({S.SCHEDULED, S.DELIBERATING})


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _lock(consultation: Consultation) -> Consultation:
    fresh = workflow.lock(consultation)
    fresh.grid = consultation.grid if consultation.grid_id == fresh.grid_id else GridUnit.objects.get(pk=fresh.grid_id)
    return fresh


def _mark(
    consultation: Consultation,
    action: str,
    *,
    now: datetime,
    actor: Any = None,
    note: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """A timeline row that leaves the status where it is (a meeting, an objection, progress)."""
    status = consultation.status
    workflow.record(consultation, action, actor=actor, before=status, after=status, note=note, details=details, at=now)


# --- notifications -----------------------------------------------------------------------


def _context(consultation: Consultation, **extra: Any) -> dict[str, Any]:
    return {
        "consultation_id": consultation.pk,
        "title": consultation.title,
        "status": consultation.get_status_display(),
        "grid_name": consultation.grid.name,
        "at": timezone.localtime(timezone.now()).strftime("%Y-%m-%d %H:%M"),
        **extra,
    }


def _followers(consultation: Consultation, *, but: Any = None) -> QuerySet[User]:
    rows = User.objects.filter(pk__in=selectors.follower_ids(consultation))
    return rows.exclude(pk=but.pk) if but is not None else rows


def _tell_followers(consultation: Consultation, event: workflow.TimelineEvent, *, note: str = "") -> None:
    """Every state change reaches the followers (inbox and subscribe message), not its actor."""
    notify(
        event="consultation_status_changed",
        users=_followers(consultation, but=event.actor),
        context=_context(consultation, note=note or event.note),
        channels={"inbox", "subscribe"},
    )


def _tell_staff(consultation: Consultation, event_name: str, **extra: Any) -> None:
    notify(
        event=event_name,
        users=selectors.unit_handlers(consultation.grid),
        context=_context(consultation, **extra),
        channels={"inbox"},
    )


def _move(
    consultation: Consultation,
    action: str,
    *,
    actor: Any,
    now: datetime,
    note: str = "",
    changes: dict[str, Any] | None = None,
    tell: bool = True,
) -> workflow.TimelineEvent:
    event = workflow.transition(consultation, action, actor=actor, note=note, at=now, changes=changes)
    if tell:
        _tell_followers(consultation, event)
    return event


def _follow(consultation: Consultation, user_ids: list[int]) -> None:
    Follow.objects.bulk_create(
        [Follow(consultation=consultation, user_id=pk) for pk in user_ids], ignore_conflicts=True
    )


def _review_changes(consultation: Consultation, now: datetime) -> dict[str, Any]:
    """Entering review: a deep topic must meet within N working days from now."""
    changes: dict[str, Any] = {"reviewed_at": now, "is_overdue": False, "overdue_at": None}
    if consultation.kind == ConsultationKind.DEEP:
        changes["meet_by"] = add_working_days(now, settings.CONSULTATION_DEEP_MEETING_DAYS)
    return changes


# --- raising a topic ---------------------------------------------------------------------


def _ensure_may_raise(actor: Any, grid: GridUnit) -> None:
    if grid.level not in CONSULTATION_LEVELS:
        raise InvalidInput(
            Msg(
                "议题只能在微网格、网格、社区或街道发起。", "A topic lives at a micro-grid, grid, community or street."
            ),
            code="bad_level",
            fields={"grid": [grid.level]},
        )
    if in_reach(actor, grid, HANDLER_ROLES) or lives_under(actor, grid.path):
        return
    if selectors.verified_home(actor) is None and not reach_paths(actor, HANDLER_ROLES):
        raise PermissionDenied(
            Msg("请先完成居住地核实。", "Your residence must be verified first."), code="not_verified"
        )
    raise NotFound()  # a unit outside the caller's own is not theirs to know


@transaction.atomic
def do_create_consultation(
    *,
    actor: Any,
    grid: GridUnit,
    title: str,
    body: str,
    kind: str = ConsultationKind.QUICK,
    attachments: list[int] | None = None,
    now: datetime | None = None,
) -> Consultation:
    now = _now(now)
    _ensure_may_raise(actor, grid)
    # Authorization first, then the content check: risky refused (400), review held.
    verdict = screen_text(actor=actor, texts={"title": title, "body": body}, scene=Scene.FORUM)
    held = _held_values(Consultation, verdict)
    consultation = Consultation(author=actor, title=title, body=body, kind=kind, created_at=now, **held)
    consultation.set_grid(grid)
    if kind == ConsultationKind.QUICK:
        consultation.decide_by = now + timedelta(hours=settings.CONSULTATION_QUICK_DECIDE_HOURS)
    consultation.save(force_insert=True)
    photos.link_photos(actor=actor, ids=attachments or [], consultation=consultation)
    workflow.record(consultation, "create", actor=actor, after=consultation.status, at=now)
    _follow(consultation, [actor.pk])
    if verdict.held:
        log_hold(consultation=consultation, verdict=verdict)  # the moderation queue has it
    else:
        _tell_staff(consultation, "consultation_raised")
    return consultation


# --- supports and follows ----------------------------------------------------------------


def household_key(residence: Any) -> str:
    """One household: the same home unit and the same address, spelled loosely (full-width
    digits, spaces, punctuation and case do not make a second household)."""
    text = unicodedata.normalize("NFKC", residence.address or "").casefold()
    address = "".join(ch for ch in text if ch.isalnum())
    return f"{residence.grid_id}:{address}"


@transaction.atomic
def do_support_consultation(*, consultation: Consultation, actor: Any, now: datetime | None = None) -> Consultation:
    """附议, idempotent. Under the topic's row lock supports of one topic queue up, so the one
    that reaches the threshold sees every earlier one and moves it to review exactly once."""
    now = _now(now)
    residence = ensure_resident(actor, consultation)
    consultation = _lock(consultation)
    if Support.objects.filter(consultation=consultation, user_id=actor.pk).exists():
        return consultation
    if consultation.status != S.COLLECTING:
        raise Conflict(Msg("议题已停止征集附议。", "This topic no longer collects supports."), code="not_collecting")
    key = household_key(residence)
    try:
        with transaction.atomic():
            Support.objects.create(
                consultation=consultation, user=actor, residence=residence, household=key, created_at=now
            )
    except IntegrityError:
        raise Conflict(
            Msg("您家已有人附议过该议题。", "Someone of your household already supports this topic."),
            code="household_supported",
        ) from None
    Consultation.objects.filter(pk=consultation.pk).update(support_count=F("support_count") + 1)
    consultation.support_count += 1
    _follow(consultation, [actor.pk])
    if consultation.support_count >= selectors.support_threshold(consultation):
        _move(
            consultation,
            "reach_threshold",
            actor=None,
            now=now,
            note=f"{consultation.support_count} 户附议",
            changes=_review_changes(consultation, now),
        )
        _tell_staff(consultation, "consultation_to_review")
    return consultation


@transaction.atomic
def do_unsupport_consultation(*, consultation: Consultation, actor: Any) -> Consultation:
    consultation = _lock(consultation)
    support = Support.objects.filter(consultation=consultation, user_id=actor.pk).first()
    if support is None:
        return consultation
    if consultation.status != S.COLLECTING:
        raise Conflict(
            Msg("议题已停止征集，不能撤回附议。", "Supports can only be withdrawn while collecting."),
            code="not_collecting",
        )
    support.delete()
    Consultation.objects.filter(pk=consultation.pk).update(support_count=F("support_count") - 1)
    consultation.support_count -= 1
    return consultation


@transaction.atomic
def do_follow_consultation(*, consultation: Consultation, actor: Any) -> Consultation:
    _follow(consultation, [actor.pk])
    return consultation


@transaction.atomic
def do_unfollow_consultation(*, consultation: Consultation, actor: Any) -> Consultation:
    Follow.objects.filter(consultation=consultation, user_id=actor.pk).delete()
    return consultation


# --- review ------------------------------------------------------------------------------


def _take_up(consultation: Consultation, actor: Any, now: datetime) -> None:
    """A staff decision on a topic still collecting takes it up first (its own timeline row)."""
    if consultation.status == S.COLLECTING:
        _move(consultation, "take_up", actor=actor, now=now, changes=_review_changes(consultation, now), tell=False)


@transaction.atomic
def do_take_up_consultation(*, consultation: Consultation, actor: Any, now: datetime | None = None) -> Consultation:
    """Staff take a topic up for review before it reaches the threshold."""
    now = _now(now)
    consultation = _lock(consultation)
    ensure_staff(actor, consultation)
    _move(consultation, "take_up", actor=actor, now=now, changes=_review_changes(consultation, now))
    return consultation


def _decided(actor: Any, now: datetime, reason: str = "") -> dict[str, Any]:
    return {"decided_at": now, "decided_by": actor, "decision_reason": reason}


@transaction.atomic
def do_review_consultation(
    *,
    consultation: Consultation,
    actor: Any,
    decision: str,
    reason: str = "",
    into: Consultation | None = None,
    to: str = "",
    category: str = "other",
    now: datetime | None = None,
) -> Consultation:
    now = _now(now)
    consultation = _lock(consultation)
    ensure_staff(actor, consultation)
    if decision == "merge":
        return _merge(consultation, actor=actor, into=into, reason=reason, now=now)
    workflow.check(consultation, "take_up" if consultation.status == S.COLLECTING else decision)
    if decision == "reject":
        require_reason(reason, Msg("请填写不予采纳的理由。", "Give the reason."))
    if decision == "convert" and to not in {"appeal", "monthly"}:
        raise InvalidInput(
            Msg("请选择转为诉求或每月一事。", "Convert to appeal or monthly."),
            code="invalid",
            fields={"to": [REQUIRED]},
        )
    _take_up(consultation, actor, now)
    if decision in {"schedule", "reject"}:
        _move(consultation, decision, actor=actor, now=now, note=reason, changes=_decided(actor, now, reason))
    elif to == "appeal":
        _convert_to_appeal(consultation, actor=actor, reason=reason, category=category, now=now)
    else:
        _convert_to_monthly(consultation, actor=actor, reason=reason, now=now)
    return consultation


def _merge(
    consultation: Consultation, *, actor: Any, into: Consultation | None, reason: str, now: datetime
) -> Consultation:
    if into is None:
        raise InvalidInput(
            Msg("请选择合并到的议题。", "Name the topic to merge into."), code="invalid", fields={"into": [REQUIRED]}
        )
    if into.pk == consultation.pk:
        raise InvalidInput(
            Msg("不能合并到自身。", "A topic cannot merge into itself."),
            code="merge_into_self",
            fields={"into": [Msg("不能合并到自身。", "itself")]},
        )
    workflow.check(consultation, "merge")
    ensure_staff(actor, into)
    # The source is locked already; now the target, whose supports and count change too.
    target = workflow.lock(into)
    target.grid = into.grid
    if target.status not in {S.COLLECTING, S.REVIEW}:
        raise Conflict(
            Msg("目标议题已不在征集或审议中。", "The target topic is no longer open."), code="merge_target_closed"
        )
    carried = _carry_supports(consultation, target, now)
    _move(
        consultation,
        "merge",
        actor=actor,
        now=now,
        note=reason or f"合并至议题 #{target.pk}",
        changes={"merged_into": target, **_decided(actor, now, reason)},
    )
    _mark(
        target,
        "merged_in",
        actor=actor,
        now=now,
        note=f"#{consultation.pk}",
        details={"from": consultation.pk, "supports": len(carried)},
    )
    _follow(target, [consultation.author_id, *carried])
    notify(
        event="consultation_merged",
        users=User.objects.filter(
            pk__in=[consultation.author_id, *selectors.follower_ids(consultation).values_list("user_id", flat=True)]
        ),
        context=_context(consultation, into_id=target.pk, into_title=target.title),
        channels={"inbox", "subscribe"},
    )
    if target.status == S.COLLECTING and target.support_count >= selectors.support_threshold(target):
        _move(target, "reach_threshold", actor=None, now=now, changes=_review_changes(target, now))
    return consultation


def _carry_supports(source: Consultation, target: Consultation, now: datetime) -> list[int]:
    """Copy the source's supports onto the target, skipping households (and people) already there."""
    taken = set(Support.objects.filter(consultation=target).values_list("household", flat=True))
    people = set(Support.objects.filter(consultation=target).values_list("user_id", flat=True))
    rows = []
    for support in Support.objects.filter(consultation=source).order_by("pk"):
        if support.household in taken or support.user_id in people:
            continue
        taken.add(support.household)
        people.add(support.user_id)
        rows.append(
            Support(
                consultation=target,
                user_id=support.user_id,
                residence_id=support.residence_id,
                household=support.household,
                merged_from=source,
                created_at=now,
            )
        )
    Support.objects.bulk_create(rows)
    if rows:
        Consultation.objects.filter(pk=target.pk).update(support_count=F("support_count") + len(rows))
        target.support_count += len(rows)
    return [row.user_id for row in rows]


def _convert_to_appeal(consultation: Consultation, *, actor: Any, reason: str, category: str, now: datetime) -> None:
    appeal = appeal_services.appeal_submit(
        actor=actor,
        category=category,
        title=consultation.title[:100],
        description=f"（由协商议事 #{consultation.pk} 转办）{consultation.body}"[:2000],
        grid=consultation.grid,
        now=now,
    )
    _move(
        consultation,
        "convert",
        actor=actor,
        now=now,
        note=reason or f"转为诉求 {appeal.number}",
        changes={"appeal": appeal, **_decided(actor, now, reason)},
    )


def open_round_covering(consultation: Consultation, now: datetime) -> Round | None:
    """The open 每月一事 round (taking nominations) whose scope covers the topic's unit, nearest first."""
    rounds = Round.objects.filter(
        status=RoundStatus.NOMINATING,
        nomination_ends__gt=now,
        scope_path__in=consultation.grid.ancestor_paths,
    ).select_related("scope")
    return max(rounds, key=lambda r: len(r.scope_path), default=None)


def _convert_to_monthly(consultation: Consultation, *, actor: Any, reason: str, now: datetime) -> None:
    round_ = open_round_covering(consultation, now)
    if round_ is None:
        raise Conflict(
            Msg("当前没有覆盖该网格、正在征集提名的每月一事。", "No open monthly round covers this unit."),
            code="no_open_round",
        )
    # The nomination is the residents' own: its author if eligible, else its first eligible supporter.
    candidates = [consultation.author, *(s.user for s in consultation.supports.select_related("user").order_by("pk"))]
    nominator = next((u for u in candidates if monthly_eligible(u, round_)), None)
    if nominator is None:
        raise Conflict(
            Msg("没有可以提名的本区域居民。", "No resident of the round's scope backs this topic."),
            code="no_eligible_nominator",
        )
    nomination = monthly_services.nomination_create(
        round_=round_, author=nominator, title=consultation.title[:100], description=consultation.body, now=now
    )
    _move(
        consultation,
        "convert",
        actor=actor,
        now=now,
        note=reason or f"转为每月一事提名（{round_.title}）",
        changes={"nomination": nomination, **_decided(actor, now, reason)},
    )


# --- meetings ----------------------------------------------------------------------------


def _check_in_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


@transaction.atomic
def do_schedule_meeting(
    *,
    consultation: Consultation,
    actor: Any,
    scheduled_at: datetime,
    place: str,
    agenda: list[str],
    quorum: int | None = None,
    station: Station | None = None,
    duration_minutes: int = 120,
    now: datetime | None = None,
) -> Meeting:
    """A meeting at a place, or at a 五港 station, whose time it then reserves (409
    `reservation_overlap` when the station is taken)."""
    now = _now(now)
    consultation = _lock(consultation)
    ensure_staff(actor, consultation)
    if consultation.status not in {S.COLLECTING, S.REVIEW, S.SCHEDULED}:
        workflow.check(consultation, "schedule")
    if scheduled_at <= now:
        raise InvalidInput(
            Msg("会议时间须晚于现在。", "The meeting must be in the future."),
            code="in_the_past",
            fields={"scheduled_at": [Msg("不能早于现在。", "in the past")]},
        )
    if not place and station is None:
        raise InvalidInput(
            Msg("请填写会议地点或选择驿站。", "Name a place or a station."),
            code="place_required",
            fields={"place": [REQUIRED]},
        )
    reservation = None
    if station is not None:
        reservation = resources_services.do_create_reservation(
            station=station,
            actor=actor,
            starts_at=scheduled_at,
            ends_at=scheduled_at + timedelta(minutes=duration_minutes),
            purpose=f"家门口议事：{consultation.title}"[:200],
        )
    meeting = Meeting.objects.create(
        consultation=consultation,
        scheduled_at=scheduled_at,
        place=place or (station.name if station else ""),
        station=station,
        reservation=reservation,
        agenda=agenda,
        quorum=quorum or settings.CONSULTATION_DEFAULT_QUORUM,
        check_in_code=_check_in_code(),
        created_by=actor,
        created_at=now,
    )
    _take_up(consultation, actor, now)
    when = timezone.localtime(scheduled_at).strftime("%Y-%m-%d %H:%M")
    if consultation.status == S.REVIEW:
        _move(consultation, "schedule", actor=actor, now=now, note=f"{when} {place}", changes=_decided(actor, now))
    else:
        _mark(consultation, "meeting", actor=actor, now=now, note=f"{when} {place}")
    invitees = User.objects.filter(
        Q(pk=consultation.author_id)
        | Q(pk__in=Support.objects.filter(consultation=consultation).values("user_id"))
        | Q(pk__in=selectors.unit_handlers(consultation.grid).values("pk"))
    )
    notify(
        event="consultation_meeting_scheduled",
        users=invitees,
        grid=consultation.grid,
        context=_context(consultation, meeting_id=meeting.pk, when=when, place=place),
        channels={"inbox", "subscribe", "group_chat"},
    )
    return meeting


def _live_meeting(meeting: Meeting) -> Consultation:
    """The meeting must be the topic's current one, with the topic scheduled or deliberating."""
    consultation = meeting.consultation
    current = selectors.current_meeting(consultation)
    if consultation.status not in MEETING_STATES or current is None or current.pk != meeting.pk:
        raise Conflict(Msg("会议已结束。", "This meeting is over."), code="meeting_over")
    return consultation


def _hold(consultation: Consultation, actor: Any, now: datetime) -> None:
    """The meeting is under way: its first sign-in or motion moves the topic to deliberating."""
    consultation = _lock(consultation)
    if consultation.status == S.SCHEDULED:
        _move(consultation, "deliberate", actor=actor, now=now)


@transaction.atomic
def do_register_meeting(*, meeting: Meeting, actor: Any) -> Meeting:
    _live_meeting(meeting)
    MeetingRegistration.objects.get_or_create(meeting=meeting, user=actor)
    _follow(meeting.consultation, [actor.pk])
    return meeting


def _failures_key(meeting: Meeting, actor: Any) -> str:
    return f"consultations:check-in-failures:{meeting.pk}:{actor.pk}"


def do_check_in_meeting(*, meeting: Meeting, actor: Any, code: str, now: datetime | None = None) -> Meeting:
    """Sign in with the meeting's code. Wrong codes are counted per attendee and meeting; after
    too many, check-in is refused for a while (429), so a six-digit code cannot be guessed."""
    now = _now(now)
    key = _failures_key(meeting, actor)
    if cache.get(key, 0) >= settings.CONSULTATION_CHECK_IN_MAX_FAILURES:
        raise Throttled(
            Msg("签到码错误次数过多，请稍后再试。", "Too many wrong codes; try again later."),
            code="check_in_locked",
            headers={"Retry-After": str(settings.CONSULTATION_CHECK_IN_LOCK_SECONDS)},
        )
    _live_meeting(meeting)
    if not secrets.compare_digest(code.strip(), meeting.check_in_code):
        if cache.add(key, 1, settings.CONSULTATION_CHECK_IN_LOCK_SECONDS) is False:
            cache.incr(key)
        raise InvalidInput(
            Msg("签到码错误。", "Wrong check-in code."), code="bad_code", fields={"code": [Msg("错误。", "wrong")]}
        )
    with transaction.atomic():
        CheckIn.objects.get_or_create(meeting=meeting, user=actor, defaults={"at": now})
        _follow(meeting.consultation, [actor.pk])
        _hold(meeting.consultation, actor, now)
    return meeting


@transaction.atomic
def do_open_motion(*, meeting: Meeting, actor: Any, text: str, now: datetime | None = None) -> Motion:
    now = _now(now)
    ensure_staff(actor, meeting.consultation)
    _live_meeting(meeting)
    _hold(meeting.consultation, actor, now)
    motion = Motion.objects.create(meeting=meeting, text=text, opened_by=actor, opened_at=now)
    live.publish_motion(motion)
    return motion


@transaction.atomic
def do_vote_motion(*, motion: Motion, actor: Any, choice: str, now: datetime | None = None) -> Motion:
    """One vote per signed-in attendee (a UNIQUE row, which says nothing of the choice); the
    counter is bumped in the same transaction."""
    if not selectors.is_checked_in(actor, motion.meeting):
        raise PermissionDenied(Msg("请先签到再表决。", "Sign in at the meeting before voting."), code="not_checked_in")
    motion = Motion.objects.select_for_update().get(pk=motion.pk)
    if motion.status != MotionStatus.OPEN:
        raise Conflict(Msg("表决已结束。", "Voting on this motion is over."), code="motion_closed")
    try:
        with transaction.atomic():
            MotionVote.objects.create(motion=motion, voter=actor, at=_now(now))
    except IntegrityError:
        raise Conflict(Msg("您已表决过。", "You have already voted."), code="already_voted") from None
    column = {VoteChoice.FOR: "votes_for", VoteChoice.AGAINST: "votes_against", VoteChoice.ABSTAIN: "abstentions"}[
        choice
    ]
    Motion.objects.filter(pk=motion.pk).update(**{column: F(column) + 1})
    motion.refresh_from_db()
    live.publish_motion(motion)
    return motion


@transaction.atomic
def do_close_motion(*, motion: Motion, actor: Any, now: datetime | None = None) -> Motion:
    """Passed: the quorum of signed-in attendees is met and more than half the votes cast are for."""
    ensure_staff(actor, motion.meeting.consultation)
    motion = Motion.objects.select_for_update().select_related("meeting").get(pk=motion.pk)
    if motion.status != MotionStatus.OPEN:
        raise Conflict(Msg("表决已结束。", "Voting on this motion is over."), code="motion_closed")
    attendees = CheckIn.objects.filter(meeting=motion.meeting).count()
    cast = motion.votes_for + motion.votes_against + motion.abstentions
    motion.attendees = attendees
    motion.passed = attendees >= motion.meeting.quorum and motion.votes_for * 2 > cast
    motion.status = MotionStatus.CLOSED
    motion.closed_at = _now(now)
    motion.save(update_fields=["attendees", "passed", "status", "closed_at"])
    live.publish_motion(motion)
    return motion


@transaction.atomic
def do_record_minutes(
    *,
    meeting: Meeting,
    actor: Any,
    minutes: str,
    resolution: str = "",
    attendees: int | None = None,
    votes_for: int | None = None,
    votes_against: int | None = None,
    abstentions: int | None = None,
    now: datetime | None = None,
) -> Meeting:
    ensure_staff(actor, meeting.consultation)
    consultation = _live_meeting(meeting)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    meeting.minutes, meeting.minutes_resolution = minutes, resolution
    meeting.minutes_attendees, meeting.minutes_votes_for = attendees, votes_for
    meeting.minutes_votes_against, meeting.minutes_abstentions = votes_against, abstentions
    meeting.minutes_by, meeting.minutes_at = actor, _now(now)
    # Changed minutes need approving again.
    meeting.minutes_approved, meeting.minutes_approved_at = False, None
    meeting.save()
    MinutesApproval.objects.filter(meeting=meeting).delete()
    _mark(consultation, "minutes", actor=actor, now=_now(now))
    return meeting


@transaction.atomic
def do_approve_minutes(*, meeting: Meeting, actor: Any, now: datetime | None = None) -> Meeting:
    """An attendee approves; the minutes stand once more than half of those signed in have."""
    now = _now(now)
    if not selectors.is_checked_in(actor, meeting):
        raise PermissionDenied(
            Msg("只有签到的参会人可以确认纪要。", "Only attendees may approve."), code="not_checked_in"
        )
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not meeting.minutes:
        raise Conflict(Msg("纪要尚未记录。", "No minutes have been recorded yet."), code="no_minutes")
    MinutesApproval.objects.get_or_create(meeting=meeting, user=actor, defaults={"at": now})
    approvals = MinutesApproval.objects.filter(meeting=meeting).count()
    if not meeting.minutes_approved and approvals * 2 > CheckIn.objects.filter(meeting=meeting).count():
        meeting.minutes_approved, meeting.minutes_approved_at = True, now
        meeting.save(update_fields=["minutes_approved", "minutes_approved_at"])
    return meeting


# --- the resolution and after ------------------------------------------------------------


def _staff_step(consultation: Consultation, actor: Any) -> Consultation:
    consultation = _lock(consultation)
    ensure_staff(actor, consultation)
    return consultation


def _staff_move(
    consultation: Consultation, action: str, *, actor: Any, now: datetime, note: str, changes: dict[str, Any]
) -> Consultation:
    """A staff decision that is nothing but a move: lock, staff of its reach (403), move, tell."""
    consultation = _staff_step(consultation, actor)
    _move(consultation, action, actor=actor, now=now, note=note, changes=changes)
    return consultation


@transaction.atomic
def do_publicize_consultation(
    *, consultation: Consultation, actor: Any, resolution: str, now: datetime | None = None
) -> Consultation:
    """Publish the resolution (决议) with its objection window."""
    now = _now(now)
    window = timedelta(days=settings.CONSULTATION_OBJECTION_DAYS)
    changes = {"resolution": resolution, "publicized_at": now, "objection_ends": now + window}
    return _staff_move(consultation, "publicize", actor=actor, now=now, note=resolution, changes=changes)


@transaction.atomic
def do_fail_consensus(
    *, consultation: Consultation, actor: Any, reason: str = "", now: datetime | None = None
) -> Consultation:
    """The meeting reached no consensus: staff escalate or end it next."""
    return _staff_move(consultation, "fail_consensus", actor=actor, now=_now(now), note=reason, changes={})


@transaction.atomic
def do_escalate_consultation(
    *, consultation: Consultation, actor: Any, reason: str = "", now: datetime | None = None
) -> Consultation:
    """大事全网联动: the parent unit takes the topic up for review."""
    consultation = _staff_step(consultation, actor)
    now = _now(now)
    workflow.check(consultation, "escalate")
    parent = GridUnit.objects.filter(pk=consultation.grid.parent_id).first()
    if parent is None or parent.level not in CONSULTATION_LEVELS:
        raise Conflict(
            Msg("已是最高议事层级，不能再上报。", "There is no higher level to escalate to."), code="cannot_escalate"
        )
    old = consultation.grid
    _move(
        consultation,
        "escalate",
        actor=actor,
        now=now,
        note=reason or f"{old.name} → {parent.name}",
        changes={
            "grid": parent,
            "grid_path": parent.path,
            "level": parent.level,
            "origin_grid": consultation.origin_grid or old,
            "escalations": consultation.escalations + 1,
            **_review_changes(consultation, now),
        },
    )
    consultation.grid = parent
    _tell_staff(consultation, "consultation_escalated", note=reason)
    return consultation


@transaction.atomic
def do_end_consultation(
    *, consultation: Consultation, actor: Any, reason: str = "", now: datetime | None = None
) -> Consultation:
    """No consensus, and it ends there."""
    now = _now(now)
    return _staff_move(consultation, "end", actor=actor, now=now, note=reason, changes={"closed_at": now})


@transaction.atomic
def do_object_consultation(
    *, consultation: Consultation, actor: Any, body: str, now: datetime | None = None
) -> Objection:
    now = _now(now)
    ensure_resident(actor, consultation)
    consultation = _lock(consultation)
    if consultation.status != S.PUBLICIZED or consultation.objection_ends is None or now >= consultation.objection_ends:
        raise Conflict(
            Msg("公示期已结束，不能再提出异议。", "The objection window is closed."), code="objection_window_closed"
        )
    verdict = screen_text(actor=actor, texts={"body": body}, scene=Scene.COMMENT)
    held = _held_values(Objection, verdict)
    objection = Objection.objects.create(consultation=consultation, author=actor, body=body, created_at=now, **held)
    log_hold(consultation=consultation, verdict=verdict, objection=objection)
    _follow(consultation, [actor.pk])
    _mark(consultation, "objection", actor=actor, now=now, details={"objection": objection.pk})
    _tell_staff(consultation, "consultation_objection")
    return objection


@transaction.atomic
def do_answer_objection(*, objection: Objection, actor: Any, body: str, now: datetime | None = None) -> Objection:
    now = _now(now)
    ensure_staff(actor, objection.consultation)
    objection = Objection.objects.select_for_update().select_related("consultation__grid").get(pk=objection.pk)
    if objection.answered_at is not None:
        raise Conflict(Msg("该异议已答复。", "This objection has been answered."), code="already_answered")
    objection.answer, objection.answered_by, objection.answered_at = body, actor, now
    objection.save(update_fields=["answer", "answered_by", "answered_at"])
    consultation = objection.consultation
    _mark(consultation, "answer", actor=actor, now=now, note=body, details={"objection": objection.pk})
    notify(
        event="consultation_objection_answered",
        users=[objection.author_id],
        context=_context(consultation, note=body),
        channels={"inbox", "subscribe"},
    )
    return objection


def _ready_to_implement(consultation: Consultation, now: datetime) -> str | None:
    """Why a publicized topic cannot start implementing yet (None: it can)."""
    if consultation.objection_ends and now < consultation.objection_ends:
        return "objection_window_open"
    if consultation.objections.filter(answered_at__isnull=True).exists():
        return "objections_unanswered"
    return None


def _implement(consultation: Consultation, actor: Any, now: datetime) -> None:
    _move(consultation, "implement", actor=actor, now=now)


@transaction.atomic
def do_report_progress(
    *, consultation: Consultation, actor: Any, content: str, percent: int, now: datetime | None = None
) -> ProgressReport:
    """Staff report work on the resolution. The first report after a clean objection window starts
    implementing; 100% opens the participants' evaluation."""
    now = _now(now)
    consultation = _staff_step(consultation, actor)
    if consultation.status == S.PUBLICIZED:
        why = _ready_to_implement(consultation, now)
        if why == "objection_window_open":
            raise Conflict(Msg("公示期尚未结束。", "The objection window is still open."), code=why)
        if why:
            raise Conflict(Msg("还有异议未答复。", "Some objections are not answered yet."), code=why)
        _implement(consultation, actor, now)
    if consultation.status != S.IMPLEMENTING:
        workflow.check(consultation, "start_evaluation")  # the 409 of any other state
    report = ProgressReport.objects.create(
        consultation=consultation, author=actor, content=content, percent=percent, created_at=now
    )
    changes: dict[str, Any] = {"progress_percent": percent}
    if percent >= 100:
        changes.update(
            evaluation_round=consultation.evaluation_round + 1,
            evaluation_ends=now + timedelta(days=settings.CONSULTATION_EVALUATION_DAYS),
        )
        _move(consultation, "start_evaluation", actor=actor, now=now, note=content, changes=changes)
    else:
        Consultation.objects.filter(pk=consultation.pk).update(progress_percent=percent, updated_at=now)
        consultation.progress_percent = percent
        _mark(consultation, "progress", actor=actor, now=now, note=content, details={"percent": percent})
        _tell_followers_progress(consultation, content, percent)
    return report


def _tell_followers_progress(consultation: Consultation, content: str, percent: int) -> None:
    notify(
        event="consultation_progress",
        users=_followers(consultation),
        context=_context(consultation, note=content, percent=percent),
        channels={"inbox"},
    )


@transaction.atomic
def do_evaluate_consultation(
    *, consultation: Consultation, actor: Any, score: int, satisfied: bool, now: datetime | None = None
) -> Consultation:
    now = _now(now)
    consultation = _lock(consultation)
    participants = selectors.participant_ids(consultation)
    if actor.pk not in participants:
        raise PermissionDenied(Msg("只有参与者可以评价。", "Only participants may evaluate."), code="not_participant")
    workflow.check(consultation, "close")
    evaluation = Evaluation(consultation=consultation, user=actor, score=score, satisfied=satisfied, created_at=now)
    evaluation.round = consultation.evaluation_round  # a reopen starts a new round: once in each
    try:
        with transaction.atomic():
            evaluation.save(force_insert=True)
    except IntegrityError:
        raise Conflict(Msg("您已评价过。", "You have already evaluated."), code="already_evaluated") from None
    _settle_evaluation(consultation, now=now, participants=len(participants), final=False)
    return consultation


def _settle_evaluation(consultation: Consultation, *, now: datetime, participants: int, final: bool) -> bool:
    """Decide once the outcome is certain: more than half the participants unsatisfied reopens
    it, half or more satisfied closes it. At the window's end (`final`) the evaluations cast decide."""
    satisfied, unsatisfied = selectors.evaluation_counts(consultation)
    reopen = unsatisfied * 2 > participants or (final and unsatisfied > satisfied)
    close = not reopen and (satisfied * 2 >= participants or final)
    note = f"满意 {satisfied}，不满意 {unsatisfied}，参与者 {participants}"
    if reopen:
        _move(consultation, "reopen", actor=None, now=now, note=note, changes=_review_changes(consultation, now))
        _tell_staff(consultation, "consultation_reopened", note=note)
    elif close:
        _move(consultation, "close", actor=None, now=now, note=note, changes={"closed_at": now})
    return reopen or close


# --- the periodic task ------------------------------------------------------------------


def _each(rows: QuerySet[Consultation], handle: Any) -> int:
    """Handle each due row in its own transaction under its lock, skipping rows another worker holds."""
    done = 0
    for pk in list(rows.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            row = Consultation.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if row is not None and handle(row):
                done += 1
    return done


def deadlines_enforce(*, now: datetime | None = None) -> dict[str, int]:
    """Quick topics undecided after their hours go to review and are flagged; deep topics without
    a meeting held in time are flagged; clean objection windows start implementing; evaluation
    windows that ran out are decided."""
    now = _now(now)

    def quick(row: Consultation) -> bool:
        if row.status not in {S.COLLECTING, S.REVIEW} or row.is_overdue:
            return False
        row.grid = GridUnit.objects.get(pk=row.grid_id)
        changes = {"is_overdue": True, "overdue_at": now}
        if row.status == S.COLLECTING:
            _move(
                row,
                "take_up",
                actor=None,
                now=now,
                note="即时议超过决定时限",
                changes={**_review_changes(row, now), **changes},
            )
        else:
            Consultation.objects.filter(pk=row.pk).update(**changes)
            _mark(row, "overdue", now=now, note="即时议超过决定时限")
        _tell_staff(row, "consultation_overdue")
        return True

    def deep(row: Consultation) -> bool:
        if row.status not in {S.REVIEW, S.SCHEDULED} or row.is_overdue:
            return False
        row.grid = GridUnit.objects.get(pk=row.grid_id)
        Consultation.objects.filter(pk=row.pk).update(is_overdue=True, overdue_at=now)
        _mark(row, "overdue", now=now, note="深入议未按时召开议事会")
        _tell_staff(row, "consultation_overdue")
        return True

    def implement(row: Consultation) -> bool:
        if row.status != S.PUBLICIZED or _ready_to_implement(row, now):
            return False
        row.grid = GridUnit.objects.get(pk=row.grid_id)
        _implement(row, None, now)
        return True

    def evaluate(row: Consultation) -> bool:
        if row.status != S.EVALUATING:
            return False
        row.grid = GridUnit.objects.get(pk=row.grid_id)
        return _settle_evaluation(row, now=now, participants=len(selectors.participant_ids(row)), final=True)

    open_ = Consultation.objects.filter(is_overdue=False)
    return {
        "quick_overdue": _each(
            open_.filter(kind=ConsultationKind.QUICK, status__in=[S.COLLECTING, S.REVIEW], decide_by__lte=now), quick
        ),
        "deep_overdue": _each(
            open_.filter(kind=ConsultationKind.DEEP, status__in=[S.REVIEW, S.SCHEDULED], meet_by__lte=now), deep
        ),
        "implementing": _each(Consultation.objects.filter(status=S.PUBLICIZED, objection_ends__lte=now), implement),
        "evaluated": _each(Consultation.objects.filter(status=S.EVALUATING, evaluation_ends__lte=now), evaluate),
    }


# --- held topics and objections: checked again, or settled by staff -----------------------
# A topic keeps its check's outcome in `moderation`/`moderation_label`, an objection in
# `status`/`held_label`; both log into ModerationLog as posts do (objection null: the topic).

UNREACHABLE = "unreachable"  # the label of a text held without WeChat's verdict (held_label())
HeldText = Consultation | Objection


def _held_fields(item: HeldText | type[HeldText]) -> tuple[str, str]:
    """The columns that keep a topic's or an objection's content check: state, label."""
    model = item if isinstance(item, type) else type(item)
    return ("moderation", "moderation_label") if issubclass(model, Consultation) else ("status", "held_label")


def _held_values(model: type[HeldText], verdict: TextVerdict) -> dict[str, str]:
    """A new topic's or objection's columns of its content check."""
    state, label = _held_fields(model)
    return {state: held_status(verdict), label: held_label(verdict)}


def _is_held(item: HeldText) -> bool:
    state, _ = _held_fields(item)
    return getattr(item, state) == PostStatus.HELD


def _settle_text(item: HeldText, *, actor: Any, publish: bool, reason: str, now: datetime) -> None:
    """Publish or reject a locked held text: log who did it, tell the author (and, for a topic
    now public, the unit's staff, as an unheld one would have at once)."""
    state, label = _held_fields(item)
    changes = {state: PostStatus.VISIBLE if publish else PostStatus.HIDDEN, label: ""}
    type(item).objects.filter(pk=item.pk).update(**changes)
    for name, value in changes.items():
        setattr(item, name, value)
    is_topic = isinstance(item, Consultation)
    consultation = item if is_topic else item.consultation
    ModerationLog.objects.create(
        consultation=consultation,
        objection=None if is_topic else item,
        actor=actor,
        action=ModerationLog.Action.APPROVE if publish else ModerationLog.Action.REJECT,
        reason=reason[:200],
        at=now,
    )
    kind = "topic" if is_topic else "objection"
    notify(
        event=f"consultation_{kind}_{'released' if publish else 'rejected'}",
        users=[item.author_id],
        context=_context(consultation, reason=reason),
        channels={"inbox"},
    )
    if publish and is_topic:
        _tell_staff(consultation, "consultation_raised")


def _lock_text(item: HeldText) -> HeldText:
    if isinstance(item, Consultation):
        return _lock(item)
    fresh = workflow.lock(item)
    fresh.consultation = item.consultation
    return fresh


def _topic_of(item: HeldText) -> Consultation:
    return item if isinstance(item, Consultation) else item.consultation


def _held_locked(item: HeldText) -> HeldText:
    """The text, row-locked, still held (409 otherwise: a moderator or the re-check was first)."""
    item = _lock_text(item)
    if not _is_held(item):
        raise Conflict(Msg("该内容不在待审核状态。", "This text is not held for review."), code="not_held")
    return item


MAX_REJECT_REASON = 200  # ModerationLog.reason's length


@transaction.atomic
def do_release_text(*, item: HeldText, actor: Any, now: datetime | None = None) -> HeldText:
    """Staff publish a held topic or objection."""
    ensure_staff(actor, _topic_of(item))
    item = _held_locked(item)
    _settle_text(item, actor=actor, publish=True, reason="", now=_now(now))
    return item


@transaction.atomic
def do_reject_text(*, item: HeldText, actor: Any, reason: str, now: datetime | None = None) -> HeldText:
    """Staff hide a held topic or objection, with the reason the author is told. Staff first
    (403 whatever the body), then the reason (400), then the row."""
    ensure_staff(actor, _topic_of(item))
    reason = require_reason(reason, Msg("请说明不予通过的原因。", "A reason is required."))
    if len(reason) > MAX_REJECT_REASON:
        raise InvalidInput(
            Msg(f"原因不能超过 {MAX_REJECT_REASON} 字。", f"A reason has at most {MAX_REJECT_REASON} characters."),
            fields={"reason": [Msg(f"最多 {MAX_REJECT_REASON} 字", f"at most {MAX_REJECT_REASON} characters")]},
        )
    item = _held_locked(item)
    _settle_text(item, actor=actor, publish=False, reason=reason, now=_now(now))
    return item


def recheck_held_topics(*, now: datetime | None = None, batch: int = 100) -> dict[str, int]:
    """Topics and objections held only because WeChat gave no verdict, checked again outside
    any transaction (an outside call), as the discussion does for posts: `pass` publishes,
    `risky` rejects (the author told), `review` keeps it held for staff with WeChat's label.
    Stops at the first text WeChat still does not answer."""
    counts = {"published": 0, "rejected": 0, "review": 0, "still_unreachable": 0}
    topics = Consultation.objects.filter(moderation=PostStatus.HELD, moderation_label=UNREACHABLE)
    objections = Objection.objects.filter(status=PostStatus.HELD, held_label=UNREACHABLE)
    work: list[tuple[HeldText, dict[str, str], Scene]] = [
        (t, {"title": t.title, "body": t.body}, Scene.FORUM)
        for t in topics.select_related("author", "grid").order_by("pk")[:batch]
    ] + [
        (o, {"body": o.body}, Scene.COMMENT)
        for o in objections.select_related("author", "consultation__grid").order_by("pk")[:batch]
    ]
    for item, texts, scene in work:
        try:
            verdict = screen_text(actor=item.author, texts=texts, scene=scene)
        except ContentRejected as exc:
            _settle_recheck(item, verdict=None, rejected=label_meaning(exc.label).zh, now=_now(now))
            counts["rejected"] += 1
            continue
        if verdict.held and verdict.reason == UNREACHABLE:
            counts["still_unreachable"] += 1
            break
        _settle_recheck(item, verdict=verdict, rejected="", now=_now(now))
        counts["review" if verdict.held else "published"] += 1
    return counts


@transaction.atomic
def _settle_recheck(item: HeldText, *, verdict: TextVerdict | None, rejected: str, now: datetime) -> None:
    """Apply a re-check's verdict, unless a moderator settled the text meanwhile."""
    item = _lock_text(item)
    _, label = _held_fields(item)
    if not _is_held(item) or getattr(item, label) != UNREACHABLE:
        return
    if verdict is None:
        _settle_text(item, actor=None, publish=False, reason=f"内容含有{rejected}信息", now=now)
    elif verdict.held:
        type(item).objects.filter(pk=item.pk).update(**{label: held_label(verdict)})
        is_topic = isinstance(item, Consultation)
        log_hold(
            consultation=item if is_topic else item.consultation,
            verdict=verdict,
            objection=None if is_topic else item,
        )
    else:
        _settle_text(item, actor=None, publish=True, reason="", now=now)

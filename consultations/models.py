"""协商议事: neighbours raise a matter at a grid unit, discuss and support it, meet at the
doorstep, publish the resolution for objections, carry it out in public and evaluate it.

The life (API.md "Consultations") is `Consultation.TRANSITIONS`, moved only through
`backend.workflow.transition`, each move a `ConsultationEvent` row.

Two halves of one app: the core (topics, supports, follows, review, meetings, motions,
resolution, objections, progress, evaluation) and the discussion (posts, reports, moderation,
content checks of text and photos). The tables of both live here so either half can migrate.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from backend import workflow
from backend.models import Described
from grids.models import GridLevel, GridUnit

# The levels a topic may be raised at (not the district, not a dedicated grid).
CONSULTATION_LEVELS = (GridLevel.MICRO, GridLevel.GRID, GridLevel.COMMUNITY, GridLevel.STREET)

MAX_TITLE = 100
MAX_BODY = 5000
MAX_POST = 2000
# Top-level posts are depth 0; replies may nest three deep (API.md: "replies at most 3 deep").
MAX_REPLY_DEPTH = 3


class ConsultationKind(models.TextChoices):
    QUICK = "quick", "即时议"
    DEEP = "deep", "深入议"


class ConsultationStatus(models.TextChoices):
    COLLECTING = "collecting", "征集中"
    REVIEW = "review", "待审议"
    SCHEDULED = "scheduled", "已排期"
    REJECTED = "rejected", "未采纳"
    MERGED = "merged", "已合并"
    CONVERTED = "converted", "已转办"
    DELIBERATING = "deliberating", "议事中"
    PUBLICIZED = "publicized", "公示中"
    NO_CONSENSUS = "no_consensus", "未达成共识"
    IMPLEMENTING = "implementing", "落实中"
    EVALUATING = "evaluating", "评价中"
    CLOSED = "closed", "已办结"


S = ConsultationStatus
# Where a topic is still on the district's desk (the deadline task looks at these).
OPEN_STATUSES = frozenset(
    {S.COLLECTING, S.REVIEW, S.SCHEDULED, S.DELIBERATING, S.PUBLICIZED, S.IMPLEMENTING, S.EVALUATING}
)
# Where people may still talk about it (posts, follows).
DISCUSSION_STATUSES = OPEN_STATUSES | {S.NO_CONSENSUS}
FINAL_STATUSES = frozenset({S.REJECTED, S.MERGED, S.CONVERTED, S.CLOSED})


class Consultation(Described, workflow.Stateful):
    DESCRIBE = "#{0.pk} {0.title}"

    Status = ConsultationStatus
    Kind = ConsultationKind
    TIMELINE = "consultations.ConsultationEvent"
    TRANSITIONS = {
        # collecting -> review: by itself at the threshold, or staff take it up.
        "reach_threshold": ({S.COLLECTING}, S.REVIEW),
        "take_up": ({S.COLLECTING}, S.REVIEW),
        # Staff decisions on a topic under review.
        "schedule": ({S.REVIEW}, S.SCHEDULED),
        "reject": ({S.REVIEW}, S.REJECTED),
        "merge": ({S.COLLECTING, S.REVIEW}, S.MERGED),
        "convert": ({S.REVIEW}, S.CONVERTED),
        # The meeting is held: its first sign-in or motion.
        "deliberate": ({S.SCHEDULED}, S.DELIBERATING),
        "publicize": ({S.DELIBERATING}, S.PUBLICIZED),
        "fail_consensus": ({S.DELIBERATING}, S.NO_CONSENSUS),
        # 大事全网联动: the parent unit takes it up; or it ends there.
        "escalate": ({S.NO_CONSENSUS}, S.REVIEW),
        "end": ({S.NO_CONSENSUS}, S.CLOSED),
        # After the objection window, with every objection answered.
        "implement": ({S.PUBLICIZED}, S.IMPLEMENTING),
        "start_evaluation": ({S.IMPLEMENTING}, S.EVALUATING),
        "close": ({S.EVALUATING}, S.CLOSED),
        # A majority of participants unsatisfied.
        "reopen": ({S.EVALUATING}, S.REVIEW),
    }

    grid = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="consultations")
    # Copies of grid.path / grid.level (paths never change): scope filters need no join.
    grid_path = models.CharField(max_length=255, editable=False)
    level = models.CharField(max_length=16, editable=False)
    # Where it was raised, when escalation moved `grid` up.
    origin_grid = models.ForeignKey(GridUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=ConsultationKind.choices, default=ConsultationKind.QUICK)
    title = models.CharField(max_length=MAX_TITLE)
    body = models.TextField(max_length=MAX_BODY)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations")
    status = models.CharField(max_length=16, choices=ConsultationStatus.choices, default=S.COLLECTING)
    # Content check of the topic's own text (scene 3): visible, or held for moderation.
    moderation = models.CharField(max_length=8, default="visible")
    moderation_label = models.CharField(max_length=32, blank=True)
    # Kept in step under the row lock by the support service: lists need no count.
    support_count = models.PositiveIntegerField(default=0)
    # Counter of visible posts, kept by the discussion services.
    post_count = models.PositiveIntegerField(default=0)
    # Review and its outcome.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged")
    appeal = models.ForeignKey(
        "appeals.Appeal", null=True, blank=True, on_delete=models.SET_NULL, related_name="consultations"
    )
    nomination = models.ForeignKey(
        "monthly.Nomination", null=True, blank=True, on_delete=models.SET_NULL, related_name="consultations"
    )
    escalations = models.PositiveSmallIntegerField(default=0)
    # Deadlines (settings): a quick topic is decided by `decide_by`; a deep one meets by `meet_by`.
    decide_by = models.DateTimeField(null=True, blank=True)
    meet_by = models.DateTimeField(null=True, blank=True)
    is_overdue = models.BooleanField(default=False)
    overdue_at = models.DateTimeField(null=True, blank=True)
    # The resolution (决议) and its objection window (公示).
    resolution = models.TextField(blank=True)
    publicized_at = models.DateTimeField(null=True, blank=True)
    objection_ends = models.DateTimeField(null=True, blank=True)
    # Progress and evaluation.
    progress_percent = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    evaluation_round = models.PositiveSmallIntegerField(default=0)
    evaluation_ends = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(progress_percent__lte=100), name="consultation_percent_0_100"),
        ]
        indexes = [
            models.Index(fields=["grid_path"], name="consultation_grid_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["status", "-id"], name="consultation_status"),
            models.Index(fields=["author", "-id"], name="consultation_author"),
            # The deadline task's scans stay small: only rows in the matching status.
            models.Index(
                fields=["decide_by"],
                condition=Q(status__in=["collecting", "review"], kind="quick", is_overdue=False),
                name="consultation_decide_by",
            ),
            models.Index(
                fields=["meet_by"],
                condition=Q(status__in=["review", "scheduled"], kind="deep", is_overdue=False),
                name="consultation_meet_by",
            ),
            models.Index(
                fields=["objection_ends"], condition=Q(status="publicized"), name="consultation_objection_ends"
            ),
            models.Index(fields=["evaluation_ends"], condition=Q(status="evaluating"), name="consultation_eval_ends"),
        ]

    def set_grid(self, unit: GridUnit) -> None:
        self.grid = unit
        self.grid_path = unit.path
        self.level = unit.level

    def save(self, *args, **kwargs) -> None:
        if not self.grid_path:
            self.set_grid(self.grid)
        super().save(*args, **kwargs)


class ConsultationEvent(workflow.TimelineEvent):
    subject_field = "consultation"
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="timeline")

    class Meta(workflow.TimelineEvent.Meta):
        indexes = [models.Index(fields=["consultation", "at"], name="consultation_event_at")]


class Support(Described):
    """附议: one per verified household. A household is a micro-grid and a normalised address;
    `household` holds that key so the database, not a look-up first, keeps it one."""

    DESCRIBE = "{0.user_id} supports {0.consultation_id}"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    residence = models.ForeignKey("residents.Residence", on_delete=models.PROTECT, related_name="+")
    household = models.CharField(max_length=255)
    # Carried over from a merged topic (the merge says which).
    merged_from = models.ForeignKey(Consultation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "household"], name="support_one_per_household"),
            models.UniqueConstraint(fields=["consultation", "user"], name="support_one_per_user"),
        ]
        indexes = [models.Index(fields=["user", "consultation"], name="support_user")]


class Follow(Described):
    DESCRIBE = "{0.user_id} follows {0.consultation_id}"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The follower digest: when this follower was last told about new posts (the discussion side),
    # and when the next digest is due (set by the first post after the last one; the sweeper
    # sends what is due, so a busy thread makes one message per window, not one per post).
    digest_sent_at = models.DateTimeField(null=True, blank=True)
    digest_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consultation", "user"], name="follow_unique")]
        indexes = [
            models.Index(fields=["user", "consultation"], name="follow_user"),
            models.Index(fields=["digest_due_at"], condition=Q(digest_due_at__isnull=False), name="follow_digest_due"),
        ]


class Photo(Described):
    """A photo on a topic or a post: an uploaded attachment (POST /attachments) and its WeChat
    `mediaCheckAsync` result; hidden until it passes."""

    DESCRIBE = "photo {0.attachment_id} ({0.check_status})"

    class Check(models.TextChoices):
        PENDING = "pending", "审核中"
        REVIEW = "review", "待人工审核"  # WeChat asks a person: hidden, in the moderation queue
        PASS = "pass", "通过"
        RISKY = "risky", "不通过"  # its file is deleted

    attachment = models.OneToOneField("appeals.AppealAttachment", on_delete=models.CASCADE, related_name="+")
    consultation = models.ForeignKey(
        Consultation, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    post = models.ForeignKey("Post", null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    check_status = models.CharField(max_length=8, choices=Check.choices, default=Check.PENDING)
    check_label = models.CharField(max_length=32, blank=True)
    trace_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)


class PostStatus(models.TextChoices):
    VISIBLE = "visible", "可见"
    HELD = "held", "待审核"
    HIDDEN = "hidden", "已隐藏"


class PostStance(models.TextChoices):
    FOR = "for", "赞成"
    AGAINST = "against", "反对"
    NEUTRAL = "neutral", "中立"
    SUGGESTION = "suggestion", "建议"


class Post(Described):
    DESCRIBE = "post {0.pk} on {0.consultation_id}"

    Status = PostStatus
    Stance = PostStance

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies")
    depth = models.PositiveSmallIntegerField(default=0)
    # Thread order as a sortable key (ancestors' ids, zero-padded): a cursor walks one index.
    thread_key = models.CharField(max_length=64, blank=True)
    stance = models.CharField(max_length=12, choices=PostStance.choices, blank=True)
    body = models.TextField(max_length=MAX_POST)
    status = models.CharField(max_length=8, choices=PostStatus.choices, default=PostStatus.VISIBLE)
    held_label = models.CharField(max_length=32, blank=True)
    hidden_reason = models.CharField(max_length=200, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(depth__lte=MAX_REPLY_DEPTH), name="post_depth_max"),
        ]
        indexes = [
            models.Index(fields=["consultation", "thread_key"], name="post_thread"),
            # The moderation queue: held posts and posts with open reports, newest first.
            models.Index(fields=["-id"], condition=Q(status="held") | Q(report_count__gt=0), name="post_needs_review"),
            models.Index(fields=["consultation", "status"], name="post_status"),
            models.Index(fields=["author", "-id"], name="post_author"),
        ]


class ReportReason(models.TextChoices):
    SPAM = "spam", "垃圾信息"
    OFFENSIVE = "offensive", "不文明"
    PRIVACY = "privacy", "泄露隐私"
    OFF_TOPIC = "off_topic", "离题"
    OTHER = "other", "其他"


class PostReport(Described):
    DESCRIBE = "report {0.reason} on {0.post_id}"

    Reason = ReportReason

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=12, choices=ReportReason.choices)
    note = models.CharField(max_length=200, blank=True)
    # Settled by a moderator (hide or unhide); open reports feed the queue.
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="post_report_once")]


class ModerationLog(Described):
    """Who did what to which text, and why (every moderation action, automatic ones too)."""

    DESCRIBE = "{0.action} by {0.actor_id}"

    class Action(models.TextChoices):
        HIDE = "hide", "隐藏"
        UNHIDE = "unhide", "恢复"
        AUTO_HIDE = "auto_hide", "举报自动隐藏"
        HOLD = "hold", "待审核"
        APPROVE = "approve", "审核通过"
        REJECT = "reject", "审核不通过"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="moderation_logs")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="moderation_logs")
    objection = models.ForeignKey(
        "Objection", null=True, blank=True, on_delete=models.CASCADE, related_name="moderation_logs"
    )
    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.CASCADE, related_name="moderation_logs")
    action = models.CharField(max_length=12, choices=Action.choices)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["consultation", "at"], name="moderation_log_at")]


class Meeting(Described):
    """家门口议事: a meeting of one consultation."""

    DESCRIBE = "meeting {0.pk} of {0.consultation_id}"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="meetings")
    scheduled_at = models.DateTimeField()
    place = models.CharField(max_length=200)
    agenda = models.JSONField(default=list, blank=True)
    # Signed-in attendees needed for a motion to pass.
    quorum = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    check_in_code = models.CharField(max_length=8)
    # A 五港 station may host it: the meeting then holds a reservation of the station's time.
    station = models.ForeignKey("resources.Station", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reservation = models.OneToOneField(
        "resources.Reservation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Minutes (纪要), recorded by staff, approved by attendees.
    minutes = models.TextField(blank=True)
    minutes_resolution = models.TextField(blank=True)
    minutes_attendees = models.PositiveIntegerField(null=True, blank=True)
    minutes_votes_for = models.PositiveIntegerField(null=True, blank=True)
    minutes_votes_against = models.PositiveIntegerField(null=True, blank=True)
    minutes_abstentions = models.PositiveIntegerField(null=True, blank=True)
    minutes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    minutes_at = models.DateTimeField(null=True, blank=True)
    minutes_approved = models.BooleanField(default=False)
    minutes_approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["consultation", "scheduled_at"], name="meeting_consultation")]


class MeetingMark(Described):
    """A person's mark on a meeting, once each: registered, signed in, approved the minutes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="%(class)s_once")]


class MeetingRegistration(MeetingMark):
    DESCRIBE = "{0.user_id} registered for {0.meeting_id}"
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations")


class CheckIn(MeetingMark):
    DESCRIBE = "{0.user_id} at {0.meeting_id}"
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="check_ins")

    class Meta(MeetingMark.Meta):
        indexes = [models.Index(fields=["user", "meeting"], name="check_in_user")]


class MinutesApproval(MeetingMark):
    DESCRIBE = "{0.user_id} approved minutes of {0.meeting_id}"
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minutes_approvals")


class MotionStatus(models.TextChoices):
    OPEN = "open", "表决中"
    CLOSED = "closed", "已结束"


class VoteChoice(models.TextChoices):
    FOR = "for", "赞成"
    AGAINST = "against", "反对"
    ABSTAIN = "abstain", "弃权"


class Motion(Described):
    """A question put to the signed-in attendees. The counts are bumped in the vote's own
    transaction; the `MotionVote` row says only that someone voted, never what."""

    DESCRIBE = "motion {0.pk} of meeting {0.meeting_id}"

    Status = MotionStatus

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="motions")
    text = models.CharField(max_length=500)
    status = models.CharField(max_length=8, choices=MotionStatus.choices, default=MotionStatus.OPEN)
    votes_for = models.PositiveIntegerField(default=0)
    votes_against = models.PositiveIntegerField(default=0)
    abstentions = models.PositiveIntegerField(default=0)
    # Frozen at the close: signed-in attendees then, and the outcome.
    attendees = models.PositiveIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]


class MotionVote(Described):
    DESCRIBE = "{0.voter_id} voted on {0.motion_id}"

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["motion", "voter"], name="motion_vote_once")]


class Objection(Described):
    """异议 to a published resolution, within its window; staff answer each."""

    DESCRIBE = "objection {0.pk} to {0.consultation_id}"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="objections")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=MAX_POST)
    # Content check, as for posts: visible, or held for moderation.
    status = models.CharField(max_length=8, choices=PostStatus.choices, default=PostStatus.VISIBLE)
    held_label = models.CharField(max_length=32, blank=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["consultation", "answered_at"], name="objection_open")]


class ProgressReport(Described):
    DESCRIBE = "{0.percent}% of {0.consultation_id}"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="progress_reports")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    content = models.TextField(max_length=MAX_POST)
    percent = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    # A task of the resolution may be handed on as an appeal.
    appeal = models.ForeignKey("appeals.Appeal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="progress_percent_0_100")]


class Evaluation(Described):
    """A participant's rating of the outcome, once per evaluation round (a reopen starts a new one)."""

    DESCRIBE = "{0.user_id} rated {0.consultation_id}: {0.score}"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="evaluations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    round = models.PositiveSmallIntegerField(default=1)
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    satisfied = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "user", "round"], name="evaluation_once_per_round"),
            models.CheckConstraint(condition=Q(score__range=(1, 5)), name="evaluation_score_1_5"),
        ]

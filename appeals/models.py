"""Residents' requests (诉求): the appeal and its state machine, its photos, its timeline, the
daily counter behind its human-readable number, and the outbox of status changes posted back
to the 12345 hotline platform."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, FloatField, Func, Q
from django.utils import timezone

from backend import workflow
from backend.crypto import EncryptedTextField
from backend.models import Described
from grids.models import GridLevel, GridUnit


class Category(models.TextChoices):
    ENVIRONMENT = "environment", "环境卫生"
    FACILITIES = "facilities", "公共设施"
    NEIGHBOUR = "neighbour", "邻里关系"
    SAFETY = "safety", "安全隐患"
    PROPERTY = "property", "物业管理"
    UTILITIES = "utilities", "水电气暖"
    POLICY = "policy", "政策咨询"
    OTHER = "other", "其他"


class Source(models.TextChoices):
    MINIPROGRAM = "miniprogram", "小程序"
    HOTLINE = "hotline", "12345热线"


class AppealStatus(models.TextChoices):
    SUBMITTED = "submitted", "待受理"
    ACCEPTED = "accepted", "办理中"
    RESOLVED = "resolved", "已办结"
    CLOSED = "closed", "已关闭"
    REJECTED = "rejected", "已驳回"


S = AppealStatus
# The grid level of 小事不出网格: level-3 grids and the units under them.
GRID_LEVELS = frozenset({GridLevel.GRID, GridLevel.MICRO, GridLevel.DEDICATED})
# Still waiting for the district to act (the deadline task and the overdue flag look at these).
OPEN_STATUSES = frozenset({S.SUBMITTED, S.ACCEPTED})
# A reply may be added while the appeal is not finished for good.
REPLY_STATUSES = frozenset({S.SUBMITTED, S.ACCEPTED, S.RESOLVED})


class HoursSinceCreated(Func):
    """Hours from the appeal's `created_at` to the datetime field `end` (NULL while `end` is): the
    value the dashboard's medians take, stored so no request computes it per row. On PostgreSQL
    exactly what `percentile_cont` was given before (the numeric epoch difference ÷ 3600, as a
    double); the SQLite demo (no medians there) gets the julian-day difference."""

    output_field = FloatField()

    def __init__(self, end: str) -> None:
        super().__init__(F(end), F("created_at"))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "(EXTRACT(EPOCH FROM %(expressions)s) / 3600.0)::double precision"
        return super().as_sql(compiler, connection, template=template, arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "((julianday(%(expressions)s)) * 24.0)"
        return super().as_sql(compiler, connection, template=template, arg_joiner=") - julianday(", **extra)


class Appeal(workflow.Stateful, Described):
    DESCRIBE = "{0.number} {0.title}"

    Status = AppealStatus
    TIMELINE = "appeals.AppealEvent"
    # API.md: submitted -> accepted -> resolved -> closed; rejected from submitted; escalation
    # goes one level up and back to submitted; reopen of a resolved appeal -> accepted.
    TRANSITIONS = {
        "accept": ({S.SUBMITTED}, S.ACCEPTED),
        "resolve": ({S.ACCEPTED}, S.RESOLVED),
        "reject": ({S.SUBMITTED}, S.REJECTED),
        "escalate": ({S.SUBMITTED, S.ACCEPTED}, S.SUBMITTED),
        "reopen": ({S.RESOLVED}, S.ACCEPTED),
        "rate": ({S.RESOLVED}, S.CLOSED),
        "autoclose": ({S.RESOLVED}, S.CLOSED),
        # Handing a dispute to mediation counts as taking it on: the appeal is being handled.
        "to_mediation": ({S.SUBMITTED, S.ACCEPTED}, S.ACCEPTED),
    }

    number = models.CharField(max_length=32, unique=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MINIPROGRAM)
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    category = models.CharField(max_length=16, choices=Category.choices)
    title = models.CharField(max_length=100)
    description = models.TextField(max_length=2000)
    # Where the matter is (the resident's home or the unit they named) ...
    grid = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="+")
    grid_path = models.CharField(max_length=255, editable=False)
    # ... and who handles it now (moves up on escalation). Paths copied: scope needs no join.
    handling_grid = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="handled_appeals")
    handling_path = models.CharField(max_length=255, editable=False)
    level = models.CharField(max_length=16, editable=False)
    status = models.CharField(max_length=16, choices=AppealStatus.choices, default=S.SUBMITTED)
    is_public = models.BooleanField(default=False)
    address = models.CharField(max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # Deadlines (settings.APPEAL_DEADLINES): accept by, resolve by; reset on escalation.
    accept_due_at = models.DateTimeField()
    due_at = models.DateTimeField()
    is_overdue = models.BooleanField(default=False)
    overdue_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(default=0)
    # Ever handled above the level-3 grid (小事不出网格 failed): placed above it, or escalated.
    left_grid = models.BooleanField(default=False)
    # Submitted within 30 days after one of the same place and category was resolved (a repeat of
    # an unsolved problem): set at submission (`appeals.figures.repeat_test`), read by the dashboard.
    # db_default: the INSERT returns the column, so the test runs inside the appeal's own INSERT.
    is_repeat = models.BooleanField(default=False, db_default=False)
    # The durations behind the dashboard's medians, kept by the database itself at every write
    # (a transition, an escalation clearing `accepted_at`, a reopen, a direct update alike).
    hours_to_accept = models.GeneratedField(
        expression=HoursSinceCreated("accepted_at"), output_field=models.FloatField(), db_persist=True
    )
    hours_to_resolve = models.GeneratedField(
        expression=HoursSinceCreated("resolved_at"), output_field=models.FloatField(), db_persist=True
    )
    # 智慧信访: the petition's state and its next statutory deadline, kept by the linkage app
    # through `appeals.handling.appeal_note_petition` (blank: never handed over).
    petition_status = models.CharField(max_length=20, blank=True)
    petition_deadline = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.CharField(max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    # The mediation case opened from it: a plain id, so neither app's migrations need the other.
    mediation_case_id = models.PositiveIntegerField(null=True, blank=True)
    # 12345 hotline work orders.
    hotline_order_id = models.CharField(max_length=64, null=True, blank=True)
    contact_phone = EncryptedTextField(blank=True, default="")
    contact_phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # Idempotency of the hotline webhook rests on this, not on a look-up first.
            models.UniqueConstraint(
                fields=["hotline_order_id"], condition=Q(hotline_order_id__isnull=False), name="appeal_hotline_order"
            ),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__range=(1, 5)), name="appeal_score_1_5"),
        ]
        indexes = [
            models.Index(fields=["handling_path"], name="appeal_handling_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["grid_path"], name="appeal_grid_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["submitter", "-id"], name="appeal_submitter"),
            models.Index(fields=["accepted_by", "-id"], name="appeal_accepted_by"),
            # The deadline task's three scans stay small: only rows in the matching status.
            models.Index(fields=["accept_due_at"], condition=Q(status="submitted"), name="appeal_accept_due"),
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["submitted", "accepted"], is_overdue=False),
                name="appeal_due_open",
            ),
            models.Index(fields=["resolved_at"], condition=Q(status="resolved"), name="appeal_resolved_at"),
            models.Index(fields=["is_public", "category", "-id"], name="appeal_public"),
            # The dashboard's repeat test: earlier resolutions of the same place and category.
            models.Index(fields=["grid_path", "category", "resolved_at"], name="appeal_repeat"),
            # The dashboard's medians read the durations of a few hour buckets: index-only ranges.
            # (Key columns, not INCLUDE: the SQLite demo has no INCLUDE and would warn.)
            models.Index(fields=["hours_to_accept", "grid_path", "created_at"], name="appeal_hours_to_accept"),
            models.Index(fields=["hours_to_resolve", "grid_path", "resolved_at", "status"], name="appeal_hours_to_resolve"),
        ]

    def set_handling_grid(self, unit: GridUnit) -> None:
        self.handling_grid = unit
        self.handling_path = unit.path
        self.level = unit.level

    def set_grid(self, unit: GridUnit) -> None:
        self.grid = unit
        self.grid_path = unit.path
        self.left_grid = self.left_grid or unit.level not in GRID_LEVELS


class AppealAttachment(models.Model):
    """A photo uploaded before the appeal that carries it: its owner's alone until linked."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    appeal = models.ForeignKey(Appeal, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    # Stored through default_storage under a random dated name the service picks.
    file = models.FileField(max_length=255)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when something (an appeal, a consultation's topic or post) takes it: an upload is
    # used once, whichever app claims it (appeals.attachments.claim_uploads).
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "appeal"], name="attachment_owner")]

    def __str__(self) -> str:
        return self.file.name


class AppealEvent(workflow.TimelineEvent):
    """The timeline: one row per action (transitions, replies, deadline flags); an escalation
    also names the unit it left and the one it reached."""

    subject_field = "appeal"
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="timeline")
    from_grid = models.ForeignKey(GridUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_grid = models.ForeignKey(GridUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta(workflow.TimelineEvent.Meta):
        indexes = [models.Index(fields=["appeal", "at"], name="appeal_event_appeal_at")]


class AppealNumberCounter(Described):
    """Last sequence number used per local day: one upsert per appeal hands out the next."""

    DESCRIBE = "{0.day}: {0.last}"

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class HotlineSync(models.Model):
    """Outbox: one status change of a hotline appeal to post to the 12345 platform.

    Written in the transaction of the change itself, so a change that commits is never lost and
    one that rolls back is never sent; rows of one order are sent in pk order, each claimed
    with a lease while it is posted.
    """

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="hotline_syncs")
    order_id = models.CharField(max_length=64)
    status = models.CharField(max_length=16)
    note = models.TextField(blank=True)
    at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # The lease of the sender posting it (as notifications' deliveries): the POST runs outside
    # any transaction, and only the holder of the token records its outcome.
    sending_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(sent_at__isnull=True), name="hotline_sync_pending"),
            models.Index(fields=["order_id", "id"], name="hotline_sync_order"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.status} ({'sent' if self.sent_at else 'pending'})"

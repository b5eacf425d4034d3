"""Dispute mediation (矛盾纠纷调解): teams and named studios attached to a grid unit, their
members, and dispute cases from application to agreement, follow-up and closing.

A case's life is ONE table, `Case.TRANSITIONS`; every move writes a `CaseEvent` row.
Escalation hands an accepted case to a team attached to an ancestor unit and puts it back to
`applied`, so that the higher team accepts it (choosing its own mediators) and its 30-day clock
starts again.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from backend import workflow
from backend.crypto import EncryptedTextField
from backend.models import Described, HasPhone
from backend.unit_path import UnitPathCopy
from grids.models import GridUnit


class TeamKind(models.TextChoices):
    MEDIATION_TEAM = "mediation_team", "调解队"
    VOLUNTEER_POLICE = "volunteer_police", "义警队"
    STUDIO = "studio", "调解工作室"
    PROFESSIONAL = "professional", "专业调解"


class MemberRole(models.TextChoices):
    LEAD = "lead", "负责人"
    MEDIATOR = "mediator", "调解员"
    POLICE = "police", "民警"
    LAWYER = "lawyer", "律师"
    VOLUNTEER = "volunteer", "志愿者"
    ELDER = "elder", "五老人员"


class MediationTeam(Described):
    DESCRIBE = "{0.name}"

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=TeamKind.choices)
    # The unit the team serves: it may take cases anywhere under it.
    grid = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="mediation_teams")
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def serves(self, unit: GridUnit) -> bool:
        return unit.path.startswith(self.grid.path)


class TeamMember(Described):
    DESCRIBE = "{0.user} {0.role} @ {0.team}"

    team = models.ForeignKey(MediationTeam, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mediation_memberships")
    role = models.CharField(max_length=16, choices=MemberRole.choices, default=MemberRole.MEDIATOR)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="mediation_member_unique")]
        indexes = [models.Index(fields=["user", "team"], name="mediation_member_user")]


class Category(models.TextChoices):
    NEIGHBOUR = "neighbour", "邻里纠纷"
    FAMILY = "family", "婚姻家庭"
    HOUSING = "housing", "房屋宅基地"
    PROPERTY = "property", "物业纠纷"
    CONTRACT = "contract", "合同纠纷"
    DAMAGES = "damages", "损害赔偿"
    LABOUR = "labour", "劳动争议"
    CONSUMER = "consumer", "消费纠纷"
    TRAFFIC = "traffic", "交通事故"
    OTHER = "other", "其他"


class CaseStatus(models.TextChoices):
    APPLIED = "applied", "已申请"
    ACCEPTED = "accepted", "已受理"
    DECLINED = "declined", "不予受理"
    MEDIATING = "mediating", "调解中"
    AGREED = "agreed", "达成协议"
    FAILED = "failed", "调解不成"
    CLOSED = "closed", "已结案"


class Source(models.TextChoices):
    RESIDENT = "resident", "居民申请"
    STAFF = "staff", "排查登记"
    APPEAL = "appeal", "诉求转入"
    CONFLICT_SYSTEM = "conflict_system", "矛盾系统下派"


class Referral(models.TextChoices):
    COURT = "court", "法院诉讼"
    ARBITRATION = "arbitration", "仲裁"
    POLICE = "police", "公安机关"
    PETITION = "petition", "信访"
    NONE = "none", "无"


class Outcome(models.TextChoices):
    AGREED = "agreed", "达成协议"
    FAILED = "failed", "调解不成"


S = CaseStatus
# Still waiting for an outcome: what the dashboard counts as "open".
OPEN_STATUSES = frozenset({S.APPLIED, S.ACCEPTED, S.MEDIATING})
# The 30-day clock runs in these.
CLOCK_STATUSES = frozenset({S.ACCEPTED, S.MEDIATING})
TERMINAL_STATUSES = frozenset({S.DECLINED, S.CLOSED})


class Case(UnitPathCopy, workflow.Stateful):
    Status = CaseStatus
    TIMELINE = "mediation.CaseEvent"
    TRANSITIONS = {
        "accept": ({S.APPLIED}, S.ACCEPTED),  # a team and its mediators; due in 30 days
        "decline": ({S.APPLIED}, S.DECLINED),  # with a reason
        "schedule": ({S.ACCEPTED, S.MEDIATING}, S.MEDIATING),  # a session (the first starts mediating)
        "record": ({S.MEDIATING}, S.MEDIATING),  # a session's notes
        "agree": ({S.MEDIATING}, S.AGREED),  # the agreement's terms
        "fail": ({S.ACCEPTED, S.MEDIATING}, S.FAILED),  # with a reason and a referral
        "follow_up": ({S.AGREED, S.FAILED}, S.CLOSED),  # the visit: was it fulfilled?
        "escalate": ({S.ACCEPTED, S.MEDIATING}, S.APPLIED),  # to a team one level up, which accepts anew
    }

    number = models.CharField(max_length=32, unique=True, null=True, blank=True)
    title = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    description = models.TextField()
    grid = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="mediation_cases")
    # Copy of grid.path (paths never change): the scope filter needs no join.
    grid_path = models.CharField(max_length=255, editable=False)
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.APPLIED)
    # While `applied` the team is the one the case is offered to (named by the applicant or
    # handed up by an escalation), if any; from `accepted` on, the team that handles it.
    team = models.ForeignKey(MediationTeam, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    mediators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mediation_cases")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.RESIDENT)
    # The appeal handed over (appeals app); an integer, no foreign key, so neither app's
    # migrations depend on the other's.
    source_appeal_id = models.BigIntegerField(null=True, blank=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    is_overdue = models.BooleanField(default=False)
    overdue_at = models.DateTimeField(null=True, blank=True)
    # The earliest session neither recorded nor cancelled (kept by the services).
    next_session_at = models.DateTimeField(null=True, blank=True)
    # Seconds since the epoch of what is due next, for the "what is due next" list order
    # (a plain integer, so the ordering works on every database; see selectors.case_list).
    due_epoch = models.BigIntegerField(default=0, editable=False)
    decline_reason = models.CharField(max_length=500, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    referral = models.CharField(max_length=16, choices=Referral.choices, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    # When the case was finished: closed after the follow-up, or declined.
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source_appeal_id"],
                condition=Q(source_appeal_id__isnull=False),
                name="mediation_case_one_per_appeal",
            ),
        ]
        indexes = [
            models.Index(fields=["grid_path"], name="mediation_case_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["team", "status"], name="mediation_case_team_status"),
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["accepted", "mediating"], is_overdue=False),
                name="mediation_case_clock",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"case {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def refresh_due_epoch(self, now: datetime, *, status: str | None = None) -> None:
        """What is due next: the next session or the deadline while open, the follow-up visit
        once there is an outcome (earliest first); finished cases the latest first. `status`:
        the one the case is about to move to (computed before the move is saved)."""
        if (status or self.status) in TERMINAL_STATUSES:
            self.due_epoch = 10**10 - int((self.closed_at or now).timestamp())
            return
        if self.outcome:
            self.due_epoch = int((self.outcome_at or now).timestamp())
            return
        candidates = [t for t in (self.next_session_at, self.due_at) if t is not None]
        self.due_epoch = int(min(candidates).timestamp()) if candidates else int((self.created_at or now).timestamp())


class Party(Described, HasPhone):
    """One side of the dispute; need not have an account (name and phone are enough)."""

    DESCRIBE = "{0.name} ({0.role})"

    class Role(models.TextChoices):
        APPLICANT = "applicant", "申请人"
        RESPONDENT = "respondent", "被申请人"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    name = models.CharField(max_length=64)
    phone = EncryptedTextField(blank=True, default="")
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    role = models.CharField(max_length=16, choices=Role.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="mediation_parties"
    )

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["user", "case"], name="mediation_party_user")]
        verbose_name_plural = "parties"


class Session(Described):
    """A mediation meeting: when and where, then what was said."""

    DESCRIBE = "{0.case} @ {0.scheduled_at:%Y-%m-%d %H:%M}"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    scheduled_at = models.DateTimeField()
    place = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the case went to another team before the session took place.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Set once the mediators were reminded (the reminder task runs often; it reminds once).
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["scheduled_at", "pk"]
        indexes = [
            models.Index(
                fields=["scheduled_at"],
                condition=Q(reminded_at__isnull=True, recorded_at__isnull=True, cancelled_at__isnull=True),
                name="mediation_session_to_remind",
            ),
        ]

    @property
    def is_pending(self) -> bool:
        return self.recorded_at is None and self.cancelled_at is None


class Agreement(Described):
    """The 调解协议: what the parties agreed to."""

    DESCRIBE = "agreement of {0.case}"

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="agreement")
    terms = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)


class FollowUp(Described):
    """The return visit (回访) after an outcome: was the agreement kept?"""

    DESCRIBE = "follow-up of {0.case}"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    notes = models.TextField()
    fulfilled = models.BooleanField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]


class CaseEvent(Described, workflow.TimelineEvent):
    """The timeline: one row per transition (and per flag such as overdue)."""

    DESCRIBE = "{0.case} {0.action} {0.from_status}->{0.to_status}"

    subject_field = "case"
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")

    class Meta(workflow.TimelineEvent.Meta):
        indexes = [models.Index(fields=["case", "at"], name="mediation_event_case_at")]

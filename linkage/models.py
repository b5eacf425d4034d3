"""Links to the district's other systems (API.md "Linked systems"):

- 智慧信访, the petition system: an appeal or a failed mediation case handed over becomes a
  `Petition` whose statutory deadlines are tracked;
- 智慧矛盾系统, the city's conflict-resolution system: every mediation case has a
  `ConflictLink` (its external id), its state changes go out pseudonymised, and cases
  dispatched down from the city come in once per external id.

Outbound calls leave through `OutboundCall` (backend.outbox); inbound webhooks are made
idempotent by `InboundReceipt`.
"""

from __future__ import annotations

from django.db import models

from backend import outbox, workflow
from backend.models import Described


class LinkedSystem(models.TextChoices):
    PETITION = "petition", "智慧信访"
    CONFLICT = "conflict", "智慧矛盾系统"


class OutboundCall(outbox.OutboxMessage):
    system = models.CharField(max_length=16, choices=LinkedSystem.choices)

    class Meta(outbox.OutboxMessage.Meta):
        indexes = [
            models.Index(fields=["key", "sent_at"], name="linkage_call_key_sent"),
            models.Index(fields=["sent_at", "next_attempt_at"], name="linkage_call_due"),
        ]


class InboundReceipt(Described):
    """One row per webhook call taken: a replay with the same sender id changes nothing."""

    DESCRIBE = "{0.system}:{0.sender_id}"

    system = models.CharField(max_length=16, choices=LinkedSystem.choices)
    sender_id = models.CharField(max_length=128)
    received_at = models.DateTimeField(auto_now_add=True)
    result = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "sender_id"], name="inbound_once")]


class PetitionStatus(models.TextChoices):
    HANDED_OVER = "handed_over", "已移交"
    ACCEPTED = "accepted", "已受理"
    HANDLING = "handling", "办理中"
    REPLIED = "replied", "已答复"
    REVIEW_REQUESTED = "review_requested", "已申请复查"
    REVIEWED = "reviewed", "已复查"
    CLOSED = "closed", "已办结"


class Petition(workflow.Stateful, Described):
    """An appeal or a mediation case in the petition system, with the statutory deadlines of
    the 信访工作条例: accept within 15 days of hand-over, reply within 60 days of acceptance
    (30 more when extended), and a review may be requested within 30 days of the reply."""

    DESCRIBE = "{0.case_id_external}"

    S = PetitionStatus
    TRANSITIONS = {
        "accepted": ({S.HANDED_OVER}, S.ACCEPTED),
        "handling": ({S.ACCEPTED}, S.HANDLING),
        "replied": ({S.ACCEPTED, S.HANDLING}, S.REPLIED),
        "review_requested": ({S.REPLIED}, S.REVIEW_REQUESTED),
        "reviewed": ({S.REVIEW_REQUESTED}, S.REVIEWED),
        "closed": ({S.ACCEPTED, S.HANDLING, S.REPLIED, S.REVIEWED}, S.CLOSED),
    }
    TIMELINE = "linkage.PetitionEvent"

    appeal = models.OneToOneField("appeals.Appeal", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    case = models.OneToOneField("mediation.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    grid_path = models.CharField(max_length=255)
    reason = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=20, choices=PetitionStatus.choices, default=PetitionStatus.HANDED_OVER)
    handed_over_at = models.DateTimeField()
    accept_due_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    reply_due_at = models.DateTimeField(null=True, blank=True)
    extended = models.BooleanField(default=False)
    replied_at = models.DateTimeField(null=True, blank=True)
    review_due_at = models.DateTimeField(null=True, blank=True)
    # Which deadlines' warnings went out, as "|accept|reply|": each is sent once (a LIKE
    # filter, portable to the embedded SQLite, where JSON containment is not).
    warned = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(appeal__isnull=False) | models.Q(case__isnull=False), name="petition_has_subject"
            )
        ]
        indexes = [models.Index(fields=["status"], name="petition_status")]

    @property
    def case_id_external(self) -> str:
        """The id both systems use for it (ours, sent with the hand-over)."""
        return f"YDP{self.pk:08d}"

    @property
    def deadline(self):  # type: ignore[no-untyped-def]
        """The next statutory deadline that applies now, if any."""
        return {
            PetitionStatus.HANDED_OVER: self.accept_due_at,
            PetitionStatus.ACCEPTED: self.reply_due_at,
            PetitionStatus.HANDLING: self.reply_due_at,
            PetitionStatus.REPLIED: self.review_due_at,
        }.get(self.status)


class PetitionEvent(workflow.TimelineEvent):
    subject_field = "petition"
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="events")


class ConflictLink(Described):
    """A mediation case as the city's conflict system knows it: our cases get an id of ours,
    dispatched ones keep the city's (unique: a dispatch is taken once)."""

    DESCRIBE = "{0.external_id}"

    case = models.OneToOneField("mediation.Case", on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=64, unique=True)
    dispatched = models.BooleanField(default=False, help_text="came down from the city system")
    created_at = models.DateTimeField(auto_now_add=True)

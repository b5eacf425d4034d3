"""每月一事: each month the residents of a district or a street pick one common problem, and
staff solve it in public.

A round goes nominating → voting → counted → implementing → completed. Residents nominate,
staff turn nominations (or their own proposals) into candidates, verified residents of the
scope vote once each, and the count is frozen at the close.

Secret ballot: a `Ballot` row says that a voter voted (one per round, a UNIQUE constraint) and
holds the voter's own choices only sealed (encrypted), so that they can read them back
(my-ballot); nothing links a voter to a candidate in plain text. The tally lives in
`TallyShard` counters bumped in the ballot's own transaction, spread over a few rows per
candidate so that concurrent ballots do not all queue on one hot row; `RoundResult` freezes
them at the close and is never recomputed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from backend import workflow
from backend.crypto import EncryptedTextField
from backend.models import Described
from backend.unit_path import UnitPathCopy
from grids.models import GridUnit


class RoundStatus(models.TextChoices):
    NOMINATING = "nominating", "征集中"
    VOTING = "voting", "投票中"
    COUNTED = "counted", "已计票"
    IMPLEMENTING = "implementing", "办理中"
    COMPLETED = "completed", "已完成"


class ResultsVisibility(models.TextChoices):
    AFTER_CLOSE = "after_close", "投票结束后公布"
    LIVE = "live", "实时公布"


# States whose result is frozen and public.
COUNTED_STATES = frozenset({RoundStatus.COUNTED, RoundStatus.IMPLEMENTING, RoundStatus.COMPLETED})

month_validator = RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", "月份格式为 YYYY-MM。")


class Round(UnitPathCopy, workflow.Stateful, Described):
    DESCRIBE = "{0.month} {0.title}"

    Status = RoundStatus
    TIMELINE = "monthly.RoundEvent"
    Visibility = ResultsVisibility
    path_copy = ("scope", "scope_path")
    TRANSITIONS = {
        "open_voting": ({RoundStatus.NOMINATING}, RoundStatus.VOTING),
        "close": ({RoundStatus.VOTING}, RoundStatus.COUNTED),
        "start_implementing": ({RoundStatus.COUNTED}, RoundStatus.IMPLEMENTING),
        "complete": ({RoundStatus.IMPLEMENTING}, RoundStatus.COMPLETED),
    }

    scope = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="monthly_rounds")
    # Copy of scope.path (paths never change): the ballot's eligibility test needs no join.
    scope_path = models.CharField(max_length=255, editable=False)
    month = models.CharField(max_length=7, validators=[month_validator])
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    nomination_ends = models.DateTimeField()
    voting_starts = models.DateTimeField()
    voting_ends = models.DateTimeField()
    max_choices = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    results_visibility = models.CharField(
        max_length=16, choices=ResultsVisibility.choices, default=ResultsVisibility.AFTER_CLOSE
    )
    status = models.CharField(max_length=16, choices=RoundStatus.choices, default=RoundStatus.NOMINATING)
    # Counter rows per candidate (fixed when voting opens).
    tally_shards = models.PositiveSmallIntegerField(default=0, editable=False)
    # Frozen at the close.
    winner = models.ForeignKey("Candidate", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    turnout = models.PositiveIntegerField(null=True, blank=True)
    eligible = models.PositiveIntegerField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    last_day_reminded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "month"], name="monthly_round_one_per_scope_month"),
            models.CheckConstraint(
                condition=Q(nomination_ends__lte=models.F("voting_starts"))
                & Q(voting_starts__lt=models.F("voting_ends")),
                name="monthly_round_times_in_order",
            ),
        ]
        indexes = [
            # The periodic task looks for rounds due to open or close.
            models.Index(fields=["status", "voting_starts"], name="monthly_round_status_starts"),
            models.Index(fields=["status", "voting_ends"], name="monthly_round_status_ends"),
            models.Index(fields=["scope_path"], name="monthly_round_scope_path", opclasses=["varchar_pattern_ops"]),
        ]

    @property
    def is_counted(self) -> bool:
        return self.status in COUNTED_STATES


class RoundEvent(workflow.TimelineEvent):
    """The round's history: each transition and each notable step (who, when, from, to)."""

    subject_field = "round"
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="events")

    class Meta(workflow.TimelineEvent.Meta):
        # Insertion order: `at` may be a scheduled time (the task passes the due time as now).
        ordering = ["pk"]


class Nomination(Described):
    DESCRIBE = "{0.title}"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="nominations")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["round", "created_at"], name="monthly_nomination_round")]


class Candidate(Described):
    DESCRIBE = "{0.title}"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="candidates")
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    nomination = models.ForeignKey(Nomination, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # A neutral, fixed order (by id) wherever counts are not public.
        ordering = ["pk"]


class Ballot(Described):
    """That a voter voted, and a receipt. The choices are sealed: only the voter reads them."""

    DESCRIBE = "ballot {0.pk} of round {0.round_id}"

    # Indexed by the (round, voter) constraint: one index less to update per ballot.
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ballots", db_index=False)
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # hex HMAC-SHA256 of (round, voter, salt) with a server key: checkable, not reversible.
    receipt = models.CharField(max_length=64, unique=True)
    salt = models.CharField(max_length=32)
    # JSON list of candidate ids, encrypted at rest; never rendered to anyone but the voter.
    sealed_choices = EncryptedTextField()
    cast_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "voter"], name="monthly_ballot_one_per_voter")]


class TallyShard(Described):
    """One counter row of a round: `candidate` NULL counts ballots (turnout), else votes.

    Each ballot bumps the rows of one shard (voter id modulo the round's `tally_shards`) in its
    own transaction, so the tally is exact and concurrent ballots spread over several rows.
    """

    DESCRIBE = "round {0.round_id} shard {0.shard} candidate {0.candidate_id}: {0.votes}"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+", db_index=False)
    candidate = models.ForeignKey(Candidate, null=True, on_delete=models.CASCADE, related_name="+")
    shard = models.PositiveSmallIntegerField()
    votes = models.PositiveIntegerField(default=0)

    class Meta:
        # One row per (round, shard, candidate) and one turnout row per (round, shard); two
        # partial constraints rather than NULLS NOT DISTINCT, which SQLite (the demo) lacks.
        constraints = [
            models.UniqueConstraint(
                fields=["round", "shard", "candidate"],
                condition=Q(candidate__isnull=False),
                name="monthly_tally_shard_unique",
            ),
            models.UniqueConstraint(
                fields=["round", "shard"], condition=Q(candidate__isnull=True), name="monthly_tally_turnout_unique"
            ),
        ]
        indexes = [models.Index(fields=["round", "shard"], name="monthly_tally_round_shard")]


class RoundResult(Described):
    """The frozen count of one candidate, written once at the close."""

    DESCRIBE = "round {0.round_id} #{0.rank} {0.candidate_id}: {0.votes}"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    votes = models.PositiveIntegerField()
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rank", "candidate_id"]
        constraints = [models.UniqueConstraint(fields=["round", "candidate"], name="monthly_result_unique")]


class ProgressReport(Described):
    DESCRIBE = "round {0.round_id} {0.percent}%"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="progress_reports")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    content = models.TextField()
    percent = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]


class Rating(Described):
    DESCRIBE = "round {0.round_id}: {0.score}"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "rater"], name="monthly_rating_one_per_resident"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="monthly_rating_score_range"),
        ]

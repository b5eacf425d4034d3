"""Accounts: one User for residents (WeChat login) and staff-side people (password login);
residences, i.e. a resident's claim to live in a micro-grid, verified by staff; and the log of
who looked at whose personal data (PIPL)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from backend import workflow
from backend.crypto import EncryptedTextField
from backend.models import Described, HasPhone
from backend.unit_path import UnitPathCopy
from grids.models import GridUnit


class User(AbstractUser, HasPhone):
    PHONE_FIELD = "phone_encrypted"

    nickname = models.CharField(max_length=64, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    # Real name, for staff-side accounts; residents usually have only a nickname.
    name = models.CharField(max_length=64, blank=True)
    openid = models.CharField(max_length=64, unique=True, null=True, blank=True)
    unionid = models.CharField(max_length=64, blank=True)
    phone_encrypted = EncryptedTextField(blank=True, default="")
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)

    @property
    def phone(self) -> str:
        return self.phone_encrypted

    @property
    def display_name(self) -> str:
        return self.name or self.nickname or self.username


class ResidenceStatus(models.TextChoices):
    PENDING = "pending", "待核实"
    VERIFIED = "verified", "已核实"
    REJECTED = "rejected", "已驳回"
    SUPERSEDED = "superseded", "已迁出"


class Residence(UnitPathCopy, workflow.Stateful, Described):
    """A resident's home micro-grid (or dedicated grid). Verified residents vote in 每月一事.
    Its own columns (reviewed_by, reviewed_at, note) are its record: it keeps no timeline."""

    DESCRIBE = "{0.user} @ {0.grid_id} ({0.status})"

    Status = ResidenceStatus
    TRANSITIONS = {
        "verify": ({ResidenceStatus.PENDING}, ResidenceStatus.VERIFIED),
        "reject": ({ResidenceStatus.PENDING}, ResidenceStatus.REJECTED),
        "supersede": ({ResidenceStatus.VERIFIED}, ResidenceStatus.SUPERSEDED),
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="residences")
    grid = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="residences")
    # Copy of grid.path (paths never change): scope and eligibility filters need no join.
    grid_path = models.CharField(max_length=255, editable=False)
    address = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=ResidenceStatus.choices, default=ResidenceStatus.PENDING)
    note = models.CharField(max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="pending"), name="residence_one_pending"),
            models.UniqueConstraint(fields=["user"], condition=Q(status="verified"), name="residence_one_verified"),
        ]
        indexes = [
            models.Index(
                fields=["grid_path"],
                condition=Q(status="verified"),
                name="residence_verified_path",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["grid_path", "status"], name="residence_path_status"),
        ]


class PersonalDataAccess(Described):
    """One row each time someone other than the owner sees personal data unmasked."""

    DESCRIBE = "{0.accessor_id} saw {0.field} of {0.subject}"

    accessor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.CharField(max_length=100, help_text="what was seen, e.g. 'mediation.Party:12'")
    field = models.CharField(max_length=32)
    purpose = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "personal data accesses"

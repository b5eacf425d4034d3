"""Community resources (API.md "Community resources"): 三社联盟 providers and their bookings,
五港强微 stations with reservations and check-ins, patrol logs, and 中原义警队 volunteers with
shifts and tips. Every object belongs to a grid unit: staff reach it through its path.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from backend import workflow
from backend.crypto import EncryptedTextField, mask_phone
from backend.models import Described
from grids.models import GridUnit


class Located(Described):
    """A WGS-84 point (the phone's location), six decimals like an appeal's."""

    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def location(self) -> dict[str, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return {"lat": float(self.latitude), "lng": float(self.longitude)}


class InGrid(Described):
    """Belongs to a grid unit: its path is copied here, indexed for the prefix match by which
    staff reach everything under their unit."""

    grid_path = models.CharField(max_length=255, editable=False)

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["grid_path"], name="%(class)s_grid_path", opclasses=["varchar_pattern_ops"])]


# --- 三社联盟 providers --------------------------------------------------------------------


class ProviderKind(models.TextChoices):
    MERCHANT = "merchant", "商户"
    CRAFTSMAN = "craftsman", "工匠"
    PARTNER = "partner", "合作伙伴"


class Provider(workflow.Stateful, Described):
    """A merchant, craftsman or partner of the 三社联盟 who serves the residents of some units."""

    DESCRIBE = "{0.name}"

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        VERIFIED = "verified", "已认证"
        REJECTED = "rejected", "未通过"

    S = Status
    TRANSITIONS = {
        "verify": ({S.PENDING, S.REJECTED}, S.VERIFIED),
        "reject": ({S.PENDING}, S.REJECTED),
    }
    TIMELINE = "resources.ProviderEvent"

    kind = models.CharField(max_length=16, choices=ProviderKind.choices)
    name = models.CharField(max_length=100)
    # The unit that registered it: its staff verify and manage it.
    home_grid = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="+")
    home_path = models.CharField(max_length=255, editable=False)
    grids = models.ManyToManyField(GridUnit, related_name="providers", help_text="units served")
    skills = models.JSONField(default=list, blank=True)
    # "|plumbing|locks|": one portable LIKE filters by skill (SQLite has no JSON containment).
    skills_text = models.CharField(max_length=500, blank=True, editable=False)
    hours = models.CharField(max_length=200, blank=True)
    free_quota_per_month = models.PositiveIntegerField(default=0)
    contact = EncryptedTextField(blank=True)
    contact_masked = models.CharField(max_length=32, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="provider"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["home_path"], name="provider_home_path", opclasses=["varchar_pattern_ops"])]

    def set_skills(self, skills: list[str]) -> None:
        self.skills = list(dict.fromkeys(s.strip() for s in skills if s.strip()))
        self.skills_text = "|" + "|".join(self.skills) + "|" if self.skills else ""

    def set_contact(self, contact: str) -> None:
        self.contact = contact
        self.contact_masked = mask_phone(contact)


class ProviderEvent(workflow.TimelineEvent):
    subject_field = "provider"
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="events")


class Booking(workflow.Stateful, Described):
    """A resident's request to a provider; the first `free_quota_per_month` accepted bookings
    of a provider in a month are free (the quota is counted when the provider accepts)."""

    DESCRIBE = "{0.provider_id}:{0.pk}"

    class Status(models.TextChoices):
        REQUESTED = "requested", "待接单"
        ACCEPTED = "accepted", "已接单"
        DECLINED = "declined", "已婉拒"
        DONE = "done", "已完成"

    S = Status
    TRANSITIONS = {
        "accept": ({S.REQUESTED}, S.ACCEPTED),
        "decline": ({S.REQUESTED}, S.DECLINED),
        "done": ({S.ACCEPTED}, S.DONE),
    }
    TIMELINE = "resources.BookingEvent"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="bookings")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookings")
    need = models.TextField(max_length=2000)
    preferred_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    free = models.BooleanField(default=False)
    # First day of the local month the booking was accepted in (the quota's month).
    quota_month = models.DateField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["provider", "quota_month", "free"], name="booking_quota")]


class BookingEvent(workflow.TimelineEvent):
    subject_field = "booking"
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")


# --- 五港 stations ---------------------------------------------------------------------------


class Station(InGrid, Located):
    """A 五港强微 station: a base for the micro-grid workers of its unit."""

    DESCRIBE = "{0.name}"

    grid = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="stations")
    name = models.CharField(max_length=100)
    hours = models.CharField(max_length=200, blank=True)
    facilities = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Reservation(Described):
    """A time slot of a station. No two live reservations of one station overlap: on
    PostgreSQL an exclusion constraint (migration 0001, `reservation_no_overlap`) holds it."""

    DESCRIBE = "{0.station_id} {0.starts_at}–{0.ends_at}"

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="reservations")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    purpose = models.CharField(max_length=200)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="reservation_order")]


class StationCheckIn(Located):
    DESCRIBE = "{0.station_id} {0.worker_id} {0.at}"

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="check_ins")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    distance_m = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)


class Patrol(InGrid, Located):
    """A grid worker's patrol log; its photos are appeals attachments, so turning it into an
    appeal links them without copying a file."""

    DESCRIBE = "{0.grid_id} {0.created_at}"

    grid = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    notes = models.TextField(max_length=5000)
    photos = models.ManyToManyField("appeals.AppealAttachment", blank=True, related_name="+")
    appeal = models.ForeignKey("appeals.Appeal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


# --- 中原义警队 volunteers -------------------------------------------------------------------


class VolunteerKind(models.TextChoices):
    POLICE = "police", "义警"
    RIDER = "rider", "快递外卖骑手"
    AGENT = "agent", "房产经纪人"
    ELDER = "elder", "五老"
    OTHER = "other", "其他"


class Volunteer(workflow.Stateful, InGrid):
    DESCRIBE = "{0.user_id}@{0.grid_id}"

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "未通过"

    S = Status
    TRANSITIONS = {"approve": ({S.PENDING, S.REJECTED}, S.APPROVED), "reject": ({S.PENDING}, S.REJECTED)}
    TIMELINE = "resources.VolunteerEvent"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteerships")
    kind = models.CharField(max_length=16, choices=VolunteerKind.choices)
    grid = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(InGrid.Meta):
        constraints = [models.UniqueConstraint(fields=["user", "grid"], name="volunteer_once_per_grid")]


class VolunteerEvent(workflow.TimelineEvent):
    subject_field = "volunteer"
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="events")


class Shift(workflow.Stateful, Located):
    """A patrol shift at a place (the geofence's centre); hours count from clock-in to
    clock-out, capped by the planned end plus a grace period."""

    DESCRIBE = "{0.volunteer_id} {0.starts_at}"

    class Status(models.TextChoices):
        PLANNED = "planned", "待上岗"
        ON_DUTY = "on_duty", "在岗"
        DONE = "done", "已完成"

    S = Status
    TRANSITIONS = {"clock_in": ({S.PLANNED}, S.ON_DUTY), "clock_out": ({S.ON_DUTY}, S.DONE)}
    TIMELINE = "resources.ShiftEvent"

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="shifts")
    grid = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="+")
    grid_path = models.CharField(max_length=255, editable=False)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    clock_in_at = models.DateTimeField(null=True, blank=True)
    clock_out_at = models.DateTimeField(null=True, blank=True)
    minutes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="shift_order")]
        indexes = [models.Index(fields=["volunteer", "clock_out_at"], name="shift_volunteer_out")]


class ShiftEvent(workflow.TimelineEvent):
    subject_field = "shift"
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="events")


class Tip(InGrid, Located):
    """What a volunteer saw on patrol; staff turn it into an appeal or a mediation case."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="tips")
    grid = models.ForeignKey(GridUnit, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(max_length=5000)
    appeal = models.ForeignKey("appeals.Appeal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    case = models.ForeignKey("mediation.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.grid_id} {self.description[:20]}"

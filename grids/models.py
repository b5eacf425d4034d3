"""The grid hierarchy: district > street > community > grid > micro-grid, plus dedicated
grids (schools, hospitals, markets, parks) under a community; and role assignments.

Each unit keeps a materialized `path` of its ancestors' codes ("/410102/410102001/…/"), so
"everything under this unit" is one indexed prefix query: `path__startswith=unit.path`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from backend.models import Described


class GridLevel(models.TextChoices):
    DISTRICT = "district", "区"
    STREET = "street", "街道（一级网格）"
    COMMUNITY = "community", "社区（二级网格）"
    GRID = "grid", "三级网格"
    MICRO = "micro", "微网格"
    DEDICATED = "dedicated", "专属网格"


# Which level may sit under which: the shape of the tree in one place.
CHILD_LEVELS: dict[str | None, set[str]] = {
    None: {GridLevel.DISTRICT},
    GridLevel.DISTRICT: {GridLevel.STREET},
    GridLevel.STREET: {GridLevel.COMMUNITY},
    GridLevel.COMMUNITY: {GridLevel.GRID, GridLevel.DEDICATED},
    GridLevel.GRID: {GridLevel.MICRO},
    GridLevel.MICRO: set(),
    GridLevel.DEDICATED: set(),
}
# Where residents live (a residence names one of these).
HOME_LEVELS = {GridLevel.MICRO, GridLevel.DEDICATED}
# Escalation order of appeals: grid -> community -> street -> district.
ESCALATION_ORDER = [GridLevel.MICRO, GridLevel.GRID, GridLevel.COMMUNITY, GridLevel.STREET, GridLevel.DISTRICT]

code_validator = RegexValidator(r"^[0-9A-Za-z-]{1,32}$", "代码只能包含字母、数字和连字符。")


class GridUnit(Described):
    DESCRIBE = "{0.name} ({0.code})"

    name = models.CharField(max_length=100)
    level = models.CharField(max_length=16, choices=GridLevel.choices)
    code = models.CharField(max_length=32, unique=True, validators=[code_validator])
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]
        indexes = [
            # LIKE 'prefix%' uses this index on PostgreSQL whatever the database collation.
            models.Index(fields=["path"], name="gridunit_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["level", "path"], name="gridunit_level_path"),
        ]

    def save(self, *args, **kwargs) -> None:
        if not self.path:
            self.path = self.path_for(self.parent, self.code)
            self.depth = self.path.count("/") - 2
        super().save(*args, **kwargs)

    @staticmethod
    def path_for(parent: GridUnit | None, code: str) -> str:
        return f"{parent.path if parent else '/'}{code}/"

    def contains(self, other: GridUnit) -> bool:
        """True when `other` is this unit or lies below it."""
        return other.path.startswith(self.path)

    @property
    def ancestor_paths(self) -> list[str]:
        """Paths of this unit and every ancestor, root first."""
        parts = self.path.strip("/").split("/")
        return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


class Role(models.TextChoices):
    ADMIN = "admin", "管理员"
    STAFF = "staff", "工作人员"
    GRID_LEADER = "grid_leader", "网格长"
    GRID_WORKER = "grid_worker", "网格员"
    MEDIATOR = "mediator", "调解员"
    VOLUNTEER = "volunteer", "志愿者"
    ELDER = "elder", "五老人员"
    POLICE = "police", "民警"
    LAWYER = "lawyer", "律师"
    UTILITY_WORKER = "utility_worker", "水电气暖人员"
    MERCHANT = "merchant", "社区商家"
    CRAFTSMAN = "craftsman", "社区匠人"
    PARTNER = "partner", "社区合伙人"


class Assignment(Described):
    """A person holds a role over a grid unit and, for staff-side roles, its whole subtree."""

    DESCRIBE = "{0.user} {0.role} @ {0.unit.code}"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(GridUnit, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(max_length=20, choices=Role.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="assignment_unique")]
        indexes = [models.Index(fields=["user", "role"], name="assignment_user_role")]

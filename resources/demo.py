"""Demo data for `seed_demo`: providers of the 三社联盟 serving the first community, a 五港
station per grid of it with a reservation, and the demo volunteer with a shift and a tip.
Idempotent: re-running adds nothing that exists."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from grids.models import GridUnit
from residents.models import User

from . import services
from .models import Provider, Station, Volunteer

PROVIDERS = [
    ("craftsman", "老张师傅水电维修", ["水电", "开锁", "家电"], 4, "13800000001"),
    ("merchant", "便民惠超市", ["送货上门", "代收快递"], 10, "13800000002"),
    ("partner", "阳光社工服务中心", ["助老", "心理疏导"], 20, "13800000003"),
]


def seed(*, shape: dict[str, list[GridUnit]], stdout: Any) -> None:
    staff = User.objects.filter(username="demo_staff").first()
    worker = User.objects.filter(username="demo_grid_worker").first()
    if staff is None:
        return
    community = shape["community"][0]
    grids = [g for g in shape["grid"] if g.parent_id == community.pk][:3]
    for kind, name, skills, quota, contact in PROVIDERS:
        if not Provider.objects.filter(name=name).exists():
            services.do_register_provider(
                actor=staff,
                kind=kind,
                name=name,
                grids=[community],
                skills=skills,
                hours="8:00-20:00",
                free_quota_per_month=quota,
                contact=contact,
            )
    for i, grid in enumerate(grids):
        if Station.objects.filter(grid=grid).exists():
            continue
        station = services.do_create_station(
            actor=staff,
            grid=grid,
            name=f"{grid.name}五港驿站",
            hours="全天",
            location={"lat": Decimal("34.7500") + Decimal(i) / 100, "lng": Decimal("113.6000")},
            facilities=["饮水", "充电", "休息", "应急药箱"],
        )
        start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1 + i)
        services.do_create_reservation(
            station=station, actor=staff, starts_at=start, ends_at=start + timedelta(hours=2), purpose="家门口议事"
        )
    rider = User.objects.filter(username="demo_volunteer").first()
    if rider is not None and grids and not Volunteer.objects.filter(user=rider).exists():
        volunteer = services.do_register_volunteer(actor=rider, kind="rider", grid=community)
        services.do_approve_volunteer(volunteer=volunteer, actor=staff)
        start = timezone.now() + timedelta(hours=2)
        services.do_create_shift(actor=rider, grid=grids[0], starts_at=start, ends_at=start + timedelta(hours=3))
        services.do_create_tip(actor=rider, grid=grids[0], description="【演示】小区东门路灯不亮，夜间行人不便。")
    if worker is not None and grids:
        stdout.write(f"  resources: {Provider.objects.count()} providers, {Station.objects.count()} stations")

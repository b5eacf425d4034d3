"""Demo people for `seed_demo`: N residents with verified homes spread over the micro-grids,
and one password account for each role. Idempotent: only the missing ones are created."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from grids.models import Assignment, GridUnit, Role

from .models import Residence, ResidenceStatus, User

DEMO_PASSWORD = "yuandian-demo-2026"
RESIDENT_PREFIX = "demo_resident_"
BATCH = 5000


def ensure_residents(count: int, micros: list[GridUnit]) -> int:
    """Create demo residents 1..count that do not exist yet, each with a verified residence."""
    wanted = [f"{RESIDENT_PREFIX}{i:07d}" for i in range(1, count + 1)]
    existing = set(User.objects.filter(username__startswith=RESIDENT_PREFIX).values_list("username", flat=True))
    missing = [(i, name) for i, name in enumerate(wanted) if name not in existing]
    unusable = make_password(None)  # WeChat-only accounts: no password login
    created = 0
    for start in range(0, len(missing), BATCH):
        chunk = missing[start : start + BATCH]
        users = User.objects.bulk_create(
            [User(username=name, nickname=f"居民{i + 1}", password=unusable) for i, name in chunk],
            batch_size=BATCH,
        )
        if users and users[0].pk is None:  # backends that do not return ids
            by_name = dict(User.objects.filter(username__in=[n for _, n in chunk]).values_list("username", "pk"))
            for user in users:
                user.pk = by_name[user.username]
        Residence.objects.bulk_create(
            [
                Residence(
                    user_id=user.pk,
                    grid_id=micros[i % len(micros)].pk,
                    grid_path=micros[i % len(micros)].path,
                    address=f"{i % 30 + 1}单元{i % 200 + 101}室",
                    status=ResidenceStatus.VERIFIED,
                )
                for (i, _), user in zip(chunk, users, strict=True)
            ],
            batch_size=BATCH,
        )
        created += len(users)
    return created


def ensure_role_accounts(shape: dict[str, list[GridUnit]]) -> list[tuple[str, str, str]]:
    """One account per role, at a unit that suits it. Returns (username, role, unit name)."""
    street, community, grid = shape["street"][0], shape["community"][0], shape["grid"][0]
    places = {
        Role.ADMIN: shape["district"][0],
        Role.STAFF: street,
        Role.GRID_LEADER: grid,
        Role.GRID_WORKER: grid,
        Role.MEDIATOR: community,
        Role.VOLUNTEER: community,
        Role.ELDER: community,
        Role.POLICE: street,
        Role.LAWYER: street,
        Role.UTILITY_WORKER: community,
        Role.MERCHANT: community,
        Role.CRAFTSMAN: community,
        Role.PARTNER: community,
    }
    accounts = []
    password = make_password(DEMO_PASSWORD)
    for role, unit in places.items():
        username = f"demo_{role}"
        user, _ = User.objects.get_or_create(
            username=username, defaults={"name": f"演示{Role(role).label}", "password": password}
        )
        if role == Role.ADMIN and not user.is_superuser:
            # The district admin also opens the Django admin.
            user.is_superuser = user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        Assignment.objects.get_or_create(user=user, unit=unit, role=role)
        accounts.append((username, role, unit.name))
    # A resident who can log in by password, for trying the resident side without WeChat.
    resident, _ = User.objects.get_or_create(
        username="demo_resident", defaults={"nickname": "演示居民", "password": password}
    )
    if not Residence.objects.filter(user=resident).exists():
        Residence.objects.create(
            user=resident, grid=shape["micro"][0], address="1单元101室", status=ResidenceStatus.VERIFIED
        )
    accounts.append(("demo_resident", "resident", shape["micro"][0].name))
    return accounts

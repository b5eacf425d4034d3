"""Mediation fixtures: teams at three levels of the shared `tree`, their people, the
notifications written (`sent`), and `make_case` to bring a case to any state through the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from mediation import services
from mediation.models import Case, MemberRole, Referral, TeamKind
from mediation.services import PartyIn
from tests.notify_asserts import Captured, captured_notifications
from tests.residents.factories import UserFactory

from .factories import MemberFactory, TeamFactory

PHONE = "13812345678"


@pytest.fixture
def sent(db: None) -> Iterator[Captured]:
    """The notifications the services wrote during the test (read back from the rows)."""
    with captured_notifications() as captured:
        yield captured


def _member(team: Any, role: str, username: str, name: str) -> Any:
    user = UserFactory(username=username, name=name)
    MemberFactory(team=team, user=user, role=role)
    return user


@pytest.fixture
def teams(tree: SimpleNamespace) -> SimpleNamespace:
    """community1: 老街坊调解队 (lead1, med1, med2); street1: 义警队 (lead_s, med_s);
    community2: a team of the other street (lead2, med_other)."""
    t = SimpleNamespace()
    t.community = TeamFactory(name="老街坊调解队", kind=TeamKind.MEDIATION_TEAM, grid=tree.community1)
    t.lead1 = _member(t.community, MemberRole.LEAD, "lead1", "王队长")
    t.med1 = _member(t.community, MemberRole.MEDIATOR, "med1", "李调解员")
    t.med2 = _member(t.community, MemberRole.ELDER, "med2", "张大爷")
    t.street = TeamFactory(name="义警队", kind=TeamKind.VOLUNTEER_POLICE, grid=tree.street1)
    t.lead_s = _member(t.street, MemberRole.LEAD, "lead_s", "秦警官")
    t.med_s = _member(t.street, MemberRole.POLICE, "med_s", "赵警官")
    t.other = TeamFactory(name="第二社区调解队", grid=tree.community2)
    t.lead2 = _member(t.other, MemberRole.LEAD, "lead2", "刘队长")
    t.med_other = _member(t.other, MemberRole.MEDIATOR, "med_other", "陈调解员")
    tree.resident1.set_phone(PHONE)
    tree.resident1.save(update_fields=["phone_encrypted", "phone_digest"])
    return t


def case_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "category": "neighbour",
        "description": "楼上漏水，多次沟通未果。",
        "parties": [
            {"name": "王女士", "phone": PHONE, "role": "applicant"},
            {"name": "楼上住户", "phone": "13900001111", "role": "respondent"},
        ],
    }
    return {**body, **overrides}


STATES = ["applied", "accepted", "mediating", "agreed", "failed", "closed", "declined"]


@pytest.fixture
def make_case(tree: SimpleNamespace, teams: SimpleNamespace) -> Callable[..., Case]:
    """A resident1 case in grid micro1 brought to `state` by the services (mediators med1, med2
    of the community team; `now` moves each step's clock)."""

    def make(state: str = "applied", *, now: Any = None, applicant: Any = None, grid: Any = None) -> Case:
        assert state in STATES
        now = now or timezone.now()
        case = services.case_create(
            actor=applicant or tree.resident1,
            category="neighbour",
            description="楼上漏水",
            grid=grid,
            parties=[PartyIn(name="王女士", role="applicant", phone=PHONE), PartyIn(name="邻居", role="respondent")],
            now=now,
        )
        if state == "declined":
            return services.case_decline(case=case, actor=tree.staff1, reason="不属于调解范围", now=now)
        if state == "applied":
            return case
        case = services.case_accept(
            case=case, actor=tree.staff1, team=teams.community, mediators=[teams.med1, teams.med2], now=now
        )
        if state == "accepted":
            return case
        services.session_schedule(
            case=case, actor=teams.med1, scheduled_at=now + timedelta(days=2), place="社区调解室", now=now
        )
        if state == "mediating":
            return Case.objects.get(pk=case.pk)
        if state == "failed":
            return services.case_fail(
                case=case, actor=teams.med1, reason="双方分歧大", referral=Referral.COURT, now=now
            )
        case = services.case_agree(case=case, actor=teams.med1, terms="楼上住户维修防水层。", now=now)
        if state == "agreed":
            return case
        return services.case_follow_up(case=case, actor=teams.med1, notes="已维修", fulfilled=True, now=now)

    return make

"""A small district with known appeals, cases, residents, a round and deliveries, November 2026
(Asia/Shanghai), on the shared `tree`: every figure of the dashboard has an exact expected value
(see test_figures.py for the arithmetic).

Rows are written as stored facts with their times set, since the figures read only what is
stored; the services that set the new facts (left_grid, last_login) have their own tests.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from appeals import figures
from appeals.models import Appeal, AppealStatus
from consultations.models import CheckIn, Consultation, ConsultationEvent, Evaluation, Meeting
from grids.models import GridUnit
from mediation.models import Case, CaseStatus, FollowUp, Outcome, Referral
from monthly.models import Ballot, Candidate, ProgressReport, Round, RoundStatus
from notifications.models import Delivery, DeliveryStatus, Message
from residents.models import ResidenceStatus
from tests.residents.factories import ResidenceFactory, UserFactory


def at(month: int, day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, month, day, hour))


_numbers = iter(range(1, 10**6))


def make_appeal(place: GridUnit, *, created: datetime, category: str = "environment", **fields: Any) -> Appeal:
    handling = place.parent if place.level in {"micro", "dedicated"} else place
    appeal = Appeal(
        number=f"T{next(_numbers):08d}",
        category=category,
        title=fields.pop("title", "t"),
        description=fields.pop("description", "d"),
        created_at=created,
        accept_due_at=fields.pop("accept_due_at", created),
        due_at=fields.pop("due_at", at(12, 31)),
        **fields,
    )
    appeal.set_grid(place)
    appeal.set_handling_grid(handling)
    if appeal.escalations:
        appeal.left_grid = True
    appeal.is_repeat = figures.repeat_test(appeal)  # as intake stores it: inside the INSERT
    appeal.save()
    return appeal


def make_case(place: GridUnit, *, created: datetime, **fields: Any) -> Case:
    case = Case.objects.create(grid=place, category="neighbour", description="d", **fields)
    Case.objects.filter(pk=case.pk).update(created_at=created)
    return case


def make_consultation(
    place: GridUnit, *, created: datetime, events: dict[str, datetime], **fields: Any
) -> Consultation:
    """A topic with the timeline rows `events` ({action: at}) the figures look for."""
    author = fields.pop("author")
    consultation = Consultation.objects.create(grid=place, title="t", body="b", author=author, created_at=created,
                                               **fields)  # fmt: skip
    for action, when in events.items():
        ConsultationEvent.objects.create(consultation=consultation, action=action, at=when)
    return consultation


def make_meeting(consultation: Consultation, *, scheduled: datetime, attendees: list[Any]) -> Meeting:
    meeting = Meeting.objects.create(consultation=consultation, scheduled_at=scheduled, place="p", check_in_code="1")
    for user in attendees:
        CheckIn.objects.create(meeting=meeting, user=user, at=scheduled)
    return meeting


@pytest.fixture
def district(tree: SimpleNamespace) -> SimpleNamespace:
    t = tree
    # Appeals (test_figures.py spells out each figure).
    t.a1 = make_appeal(t.micro1, created=at(11, 2), accepted_at=at(11, 2, 12), resolved_at=at(11, 3),
                       due_at=at(11, 5), score=5, status=AppealStatus.CLOSED)  # fmt: skip
    t.a2 = make_appeal(t.micro1, created=at(11, 10), source="hotline", accepted_at=at(11, 10, 14),
                       escalations=1, resolved_at=at(11, 12), due_at=at(11, 11), score=3,
                       status=AppealStatus.CLOSED)  # fmt: skip
    t.a3 = make_appeal(t.grid1, created=at(11, 15), category="facilities", due_at=at(11, 19), is_overdue=True)
    t.a4 = make_appeal(t.community1, created=at(11, 20, 8), category="safety", accepted_at=at(11, 20, 14),
                       resolved_at=at(11, 21, 8), status=AppealStatus.RESOLVED)  # fmt: skip
    t.a5 = make_appeal(t.micro2, created=at(10, 31, 9), resolved_at=at(11, 1, 9), due_at=at(10, 25), score=4,
                       status=AppealStatus.CLOSED)  # fmt: skip
    t.a6 = make_appeal(t.micro1, created=at(11, 25), due_at=at(11, 28), status=AppealStatus.REJECTED)

    # Mediation cases.
    t.m1 = make_case(t.micro1, created=at(11, 5), outcome=Outcome.AGREED, outcome_at=at(11, 10),
                     status=CaseStatus.CLOSED)  # fmt: skip
    FollowUp.objects.create(case=t.m1, notes="n", fulfilled=True)
    t.m2 = make_case(t.micro1, created=at(11, 6), outcome=Outcome.AGREED, outcome_at=at(11, 12),
                     status=CaseStatus.CLOSED)  # fmt: skip
    FollowUp.objects.create(case=t.m2, notes="n", fulfilled=False)
    t.m3 = make_case(t.grid1, created=at(11, 7), outcome=Outcome.FAILED, outcome_at=at(11, 15),
                     referral=Referral.COURT, status=CaseStatus.FAILED)  # fmt: skip
    t.m4 = make_case(t.micro2, created=at(10, 1), outcome=Outcome.FAILED, outcome_at=at(11, 2),
                     referral=Referral.NONE, status=CaseStatus.FAILED)  # fmt: skip
    t.m5 = make_case(t.micro1, created=at(11, 20), status=CaseStatus.MEDIATING, is_overdue=True)
    t.m6 = make_case(t.dedicated1, created=at(11, 25))

    # Residents: resident1 (micro1) and resident2 (micro2) are verified (tree); a pending
    # claim in micro1; u3 verified in micro21 (S1) with a pending move to micro2 (S2).
    t.pending = UserFactory(username="pending", last_login=at(10, 1))
    ResidenceFactory(user=t.pending, grid=t.micro1, status=ResidenceStatus.PENDING)
    t.u3 = UserFactory(username="u3", last_login=at(11, 30, 23))
    ResidenceFactory(user=t.u3, grid=t.micro21, status=ResidenceStatus.VERIFIED)
    ResidenceFactory(user=t.u3, grid=t.micro2, status=ResidenceStatus.PENDING)
    type(t.resident1).objects.filter(pk=t.resident1.pk).update(last_login=at(11, 20))

    # 每月一事: a district round, counted: 3 eligible, 2 voted (resident1 and u3).
    t.round = Round.objects.create(
        scope=t.district, month="2026-11", title="r", nomination_ends=at(11, 9), voting_starts=at(11, 10),
        voting_ends=at(11, 20), status=RoundStatus.COUNTED, eligible=3, turnout=2,
    )  # fmt: skip
    winner = Candidate.objects.create(round=t.round, title="c")
    Round.objects.filter(pk=t.round.pk).update(winner=winner)
    for i, voter in enumerate([t.resident1, t.u3]):
        Ballot.objects.create(round=t.round, voter=voter, receipt=f"r{i}", salt="s", sealed_choices="[]",
                              cast_at=at(11, 11))  # fmt: skip
    ProgressReport.objects.create(round=t.round, content="c", percent=40, created_at=at(11, 25))
    ProgressReport.objects.create(round=t.round, content="c", percent=60, created_at=at(11, 28))

    # Consultations (test_figures.py spells out each figure).
    who = t.resident1
    t.c1 = make_consultation(t.micro1, created=at(11, 3), author=who, publicized_at=at(11, 10), status="evaluating",
                             events={"reach_threshold": at(11, 4), "start_evaluation": at(11, 20)})  # fmt: skip
    t.c2 = make_consultation(t.grid1, created=at(11, 5), author=who, publicized_at=at(11, 12), status="implementing",
                             events={"take_up": at(11, 6)})  # fmt: skip
    t.c3 = make_consultation(t.community1, created=at(11, 8), author=who, status="rejected",
                             events={"reach_threshold": at(11, 9)})  # fmt: skip
    # c4: raised in October, published again in November after a reopen (its earlier work done in October).
    t.c4 = make_consultation(t.micro2, created=at(10, 20), author=t.resident2, publicized_at=at(11, 2),
                             status="publicized", events={"start_evaluation": at(10, 25)})  # fmt: skip
    make_meeting(t.c1, scheduled=at(11, 9), attendees=[t.resident1, t.u3, t.pending])
    make_meeting(t.c2, scheduled=at(11, 11), attendees=[t.resident1, t.u3])
    make_meeting(t.c4, scheduled=at(11, 1), attendees=[])  # nobody came: not a meeting held
    make_meeting(t.c4, scheduled=at(10, 22), attendees=[t.resident2])  # before the period
    for user, score, day in ((t.resident1, 4, 21), (t.u3, 5, 22)):
        Evaluation.objects.create(consultation=t.c1, user=user, score=score, satisfied=True, created_at=at(11, day))
    Evaluation.objects.create(consultation=t.c4, user=t.resident2, score=2, satisfied=False, created_at=at(10, 28))

    # Notifications: one sent in S1, one dead in S2, one sent before the period.
    message = Message.objects.create(event="e", title="t")
    Delivery.objects.create(message=message, channel="group_chat", provider="wecom", grid_path=t.micro1.path,
                            status=DeliveryStatus.SENT, sent_at=at(11, 3), created_at=at(11, 3))  # fmt: skip
    Delivery.objects.create(message=message, channel="group_chat", provider="wecom", grid_path=t.grid2.path,
                            status=DeliveryStatus.DEAD, created_at=at(11, 4))  # fmt: skip
    Delivery.objects.create(message=message, channel="group_chat", provider="wecom", grid_path=t.micro1.path,
                            status=DeliveryStatus.SENT, sent_at=at(10, 1), created_at=at(10, 1))  # fmt: skip
    return t

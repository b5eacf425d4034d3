"""The periodic task `monthly.tasks.advance_round_phases`: on time, once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.celery import app
from monthly import services
from monthly.models import Round, RoundEvent
from monthly.tasks import advance_round_phases
from tests.residents.factories import ResidenceFactory, UserFactory

from .factories import candidates, make_round

pytestmark = pytest.mark.django_db

ONE = timedelta(seconds=1)


def test_registered_under_the_scheduled_name(settings):
    name = settings.CELERY_BEAT_SCHEDULE["monthly-phases"]["task"]
    assert name == "monthly.tasks.advance_round_phases" and name in app.tasks


def scheduled(tree, **kw):
    round_ = make_round(scope=tree.street1, staff=tree.staff1, **kw)
    return Round.objects.select_related("scope").get(pk=round_.pk)


def test_opens_at_voting_starts_not_a_second_before(tree):
    from django.utils import timezone

    now = timezone.now() + timedelta(days=1)
    round_ = scheduled(tree, now=now)  # voting_starts = now - 1h
    assert advance_round_phases(now=round_.voting_starts - ONE)["opened"] == []
    assert Round.objects.get(pk=round_.pk).status == "nominating"
    assert advance_round_phases(now=round_.voting_starts)["opened"] == [round_.pk]
    round_.refresh_from_db()
    assert round_.status == "voting" and round_.tally_shards > 0
    event = RoundEvent.objects.get(round=round_, action="open_voting")
    assert event.actor is None and event.at == round_.voting_starts
    assert advance_round_phases(now=round_.voting_starts)["opened"] == []  # idempotent


def test_closes_at_voting_ends_not_a_second_before(tree):
    round_ = scheduled(tree, open_voting=True)
    first, *_ = candidates(round_)
    services.ballot_cast(round_id=round_.pk, voter=tree.resident1, choices=[first.pk])
    assert advance_round_phases(now=round_.voting_ends - ONE)["closed"] == []
    assert Round.objects.get(pk=round_.pk).status == "voting"
    assert advance_round_phases(now=round_.voting_ends)["closed"] == [round_.pk]
    round_.refresh_from_db()
    assert round_.status == "counted" and round_.winner == first and round_.turnout == 1
    assert round_.voting_ends == round_.counted_at  # the stored window is untouched by an on-time close
    assert advance_round_phases(now=round_.voting_ends + ONE)["closed"] == []


def test_last_day_reminder_once(tree):
    round_ = scheduled(tree, open_voting=True)
    assert advance_round_phases(now=round_.voting_ends - timedelta(hours=25))["reminded"] == []
    assert advance_round_phases(now=round_.voting_ends - timedelta(hours=23))["reminded"] == [round_.pk]
    assert advance_round_phases(now=round_.voting_ends - timedelta(hours=22))["reminded"] == []
    assert RoundEvent.objects.filter(round=round_, action="last_day_reminder").count() == 1


def test_round_without_candidates_stays_nominating(tree):
    round_ = scheduled(tree, titles=[])
    result = advance_round_phases(now=round_.voting_starts)
    assert result["opened"] == [] and result["skipped"] == [round_.pk]
    assert Round.objects.get(pk=round_.pk).status == "nominating"


def test_a_missed_window_opens_and_closes_in_one_run(tree):
    round_ = scheduled(tree)
    result = advance_round_phases(now=round_.voting_ends + timedelta(hours=1))
    assert result["opened"] == [round_.pk] and result["closed"] == [round_.pk]
    assert Round.objects.get(pk=round_.pk).status == "counted"


def test_takes_now_as_an_iso_string_through_celery(tree):
    round_ = scheduled(tree, open_voting=True)
    voter = UserFactory()
    ResidenceFactory(user=voter, grid=tree.micro1)
    advance_round_phases.delay(now=round_.voting_ends.isoformat())  # eager in tests
    assert Round.objects.get(pk=round_.pk).status == "counted"

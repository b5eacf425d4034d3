"""The opening, the last day and the result reach the scope's residents and group chats."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monthly import services
from monthly.tasks import advance_round_phases
from notifications.models import Delivery, GroupChat, Notification

from .factories import candidates, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def chats(tree):
    inside = GroupChat(
        grid=tree.grid1, name="第1网格群", provider="wecom", webhook_url="https://qyapi.weixin.qq.com/x?key=1"
    )
    outside = GroupChat(
        grid=tree.grid2, name="第2网格群", provider="wecom", webhook_url="https://qyapi.weixin.qq.com/x?key=2"
    )
    inside.save()
    outside.save()
    return inside, outside


def reached(event: str):
    users = set(Notification.objects.filter(message__event=event).values_list("user_id", flat=True))
    chats = set(Delivery.objects.filter(message__event=event, chat__isnull=False).values_list("chat_id", flat=True))
    return users, chats


def test_opening_last_day_and_result_reach_the_scope_only(tree, chats):
    inside, _outside = chats
    round_ = make_round(scope=tree.street1, staff=tree.staff1, open_voting=True)
    assert reached("monthly_voting_opened") == ({tree.resident1.pk}, {inside.pk})

    advance_round_phases(now=round_.voting_ends - timedelta(hours=2))
    advance_round_phases(now=round_.voting_ends - timedelta(hours=1))  # once, not twice
    assert reached("monthly_voting_last_day") == ({tree.resident1.pk}, {inside.pk})
    assert Notification.objects.filter(message__event="monthly_voting_last_day").count() == 1

    services.ballot_cast(round_id=round_.pk, voter=tree.resident1, choices=[candidates(round_)[0].pk])
    services.round_close(round_=round_, actor=tree.staff1)
    assert reached("monthly_result") == ({tree.resident1.pk}, {inside.pk})
    text = Notification.objects.get(message__event="monthly_result").message.body
    assert candidates(round_)[0].title in text and "1 人投票" in text


def test_a_district_round_reaches_every_street(tree, chats):
    make_round(scope=tree.district, staff=tree.admin, open_voting=True)
    users, chat_ids = reached("monthly_voting_opened")
    assert users == {tree.resident1.pk, tree.resident2.pk} and chat_ids == {c.pk for c in chats}

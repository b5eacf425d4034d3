"""notify(): the contract other apps code against: inbox rows, deliveries, channels, on commit."""

from __future__ import annotations

import pytest
from django.db import transaction

from notifications.models import Delivery, Message, Notification
from notifications.services import notify
from notifications.templates import EventTemplate, register_templates
from residents.models import User
from tests.residents.factories import ResidenceFactory, UserFactory

pytestmark = pytest.mark.django_db

# One event of every channel's parts, as an app would register it.
TEST_EVENT = EventTemplate(
    title="诉求 {number} 已受理",
    body="您的诉求“{title}”已由{grid_name}受理。",
    subscribe="status_update",
    subscribe_fields={"thing1": "{title}", "character_string2": "{number}", "phrase3": "已受理"},
    page="pages/appeals/detail?id={id}",
)
register_templates({"test_event": TEST_EVENT})


@pytest.fixture
def subscribe_template(settings):
    settings.WECHAT_SUBSCRIBE_TEMPLATES = {**settings.WECHAT_SUBSCRIBE_TEMPLATES, "status_update": "tpl-status"}


def test_users_get_rendered_inbox_rows(tree):
    notify(
        event="test_event",
        users=[tree.resident1, tree.resident2.pk],
        context={"number": "A-1", "title": "路灯不亮", "grid_name": "第1网格", "id": 7},
        channels={"inbox"},
    )
    rows = Notification.objects.select_related("message").order_by("user_id")
    assert [r.user_id for r in rows] == sorted([tree.resident1.pk, tree.resident2.pk])
    message = rows[0].message
    assert message.title == "诉求 A-1 已受理"
    assert message.body == "您的诉求“路灯不亮”已由第1网格受理。"
    assert message.page == "pages/appeals/detail?id=7"
    assert not Delivery.objects.exists()


def test_queryset_of_users_and_each_user_once(tree):
    notify(
        event="test_event", users=User.objects.filter(username__startswith="resident"), residents_under=tree.district
    )
    # resident1 and resident2 are both named and verified residents: one row each.
    assert sorted(Notification.objects.values_list("user_id", flat=True)) == sorted(
        [tree.resident1.pk, tree.resident2.pk]
    )


def test_residents_under_only_verified_residents_of_the_subtree(tree):
    pending = UserFactory()
    ResidenceFactory(user=pending, grid=tree.micro1, status="pending")
    other_micro = ResidenceFactory(grid=tree.micro21)
    notify(event="test_event", residents_under=tree.street1, channels={"inbox"})
    users = set(Notification.objects.values_list("user_id", flat=True))
    assert tree.resident1.pk in users and other_micro.user_id in users
    assert tree.resident2.pk not in users and pending.pk not in users and tree.newcomer.pk not in users


def test_group_chats_of_the_grid_or_its_subtree(tree, make_chat):
    street_chat, _ = make_chat(tree.street1)
    micro_chat, _ = make_chat(tree.micro1, "dingtalk")
    make_chat(tree.street2)
    off, _ = make_chat(tree.micro1, "feishu")
    off.is_active = False
    off.save()
    notify(event="test_event", grid=tree.street1, channels={"group_chat"})
    assert list(Delivery.objects.values_list("chat_id", flat=True)) == [street_chat.pk]
    Delivery.objects.all().delete()
    notify(event="test_event", grid=tree.street1, subtree=True, channels={"group_chat"})
    chats = Delivery.objects.values_list("chat_id", "provider", "grid_path", "status")
    assert sorted(chats) == sorted(
        [
            (street_chat.pk, "wecom", tree.street1.path, "pending"),
            (micro_chat.pk, "dingtalk", tree.micro1.path, "pending"),
        ]
    )


def test_subscribe_only_with_a_template_id_and_an_openid(tree, subscribe_template):
    no_openid = UserFactory()
    ResidenceFactory(user=no_openid, grid=tree.micro1)
    long_title = "小区东门路灯连续三晚不亮居民夜间出行不便请尽快维修"
    notify(
        event="test_event",
        residents_under=tree.street1,
        context={"title": long_title, "number": "A-2"},
        channels={"subscribe"},
    )
    assert not Notification.objects.exists()
    (delivery,) = Delivery.objects.all()
    assert (delivery.user_id, delivery.openid, delivery.provider) == (tree.resident1.pk, "o-resident1", "subscribe")
    data = delivery.message.subscribe["data"]
    assert delivery.message.subscribe["template_id"] == "tpl-status"
    assert len(data["thing1"]) == 20 and data["thing1"].endswith("…")
    assert data["character_string2"] == "A-2" and data["phrase3"] == "已受理"


def test_no_subscribe_without_a_template_id(tree):
    notify(event="test_event", users=[tree.resident1])
    assert Notification.objects.count() == 1
    assert not Delivery.objects.exists()


def test_rolled_back_change_writes_and_sends_nothing(tree, make_chat, django_capture_on_commit_callbacks):
    _, robot = make_chat(tree.street1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(event="test_event", users=[tree.resident1], grid=tree.street1)
            raise RuntimeError("the caller's change failed")
    assert callbacks == []
    assert not Message.objects.exists() and not Notification.objects.exists() and not Delivery.objects.exists()
    assert robot.messages == []


def test_committed_notify_sends_on_commit(tree, make_chat, django_capture_on_commit_callbacks):
    _, robot = make_chat(tree.street1)
    with django_capture_on_commit_callbacks(execute=True):
        notify(event="test_event", users=[tree.resident1], grid=tree.street1, context={"number": "A-3"})
    assert Delivery.objects.get().status == "sent"
    assert "诉求 A-3 已受理" in robot.messages[0]["markdown"]["content"]


def test_context_with_model_instances_is_stored_by_key(tree):
    notify(event="test_event", users=[tree.resident1], context={"number": tree.street1, "grid_name": tree.street1.name})
    message = Message.objects.get()
    assert message.context["number"] == tree.street1.pk


def test_unknown_event_and_channel_are_programming_errors(tree):
    with pytest.raises(KeyError):
        notify(event="no_such_event", users=[tree.resident1])
    with pytest.raises(ValueError):
        notify(event="test_event", users=[tree.resident1], channels={"sms"})


@pytest.mark.parametrize("count", [1, 40])
def test_queries_do_not_grow_with_recipients(tree, make_chat, django_assert_max_num_queries, count):
    users = UserFactory.create_batch(count, openid=None)
    for i in range(3):
        make_chat(tree.street1, name=f"群{i}")
    with django_assert_max_num_queries(6):
        notify(event="test_event", users=users, grid=tree.street1, residents_under=tree.street1)
    assert Notification.objects.count() == count + 1

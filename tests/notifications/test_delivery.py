"""Sending one delivery: providers against the fake robots and the fake WeChat, retries with
back-off, permanent errors, the lease, the rate limit and the sweeper (in-process, clock moved
by passing `now=`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import delivery as sending
from notifications.models import Delivery, DeliveryLog
from notifications.providers.dingtalk import dingtalk_sign
from notifications.providers.feishu import feishu_sign
from notifications.providers.subscribe import cut_value
from notifications.services import fan_out, notify

pytestmark = pytest.mark.django_db


def one_delivery(tree, chat, **extra) -> Delivery:
    fan_out(
        event="announcement",
        grid=chat.grid,
        channels={"group_chat"},
        enqueue=False,
        **extra,
        context={"title": "停水通知", "body": "明日 8:00-12:00 停水。", "grid_name": chat.grid.name},
    )
    return Delivery.objects.filter(chat=chat).latest("pk")


def test_wecom_markdown_reaches_the_robot_once(tree, make_chat):
    chat, robot = make_chat(tree.street1, "wecom")
    delivery = one_delivery(tree, chat)
    assert sending.deliver(delivery.pk) == "sent"
    assert sending.deliver(delivery.pk) == "skipped"  # sent is final
    assert robot.messages == [{"msgtype": "markdown", "markdown": {"content": "### 停水通知\n明日 8:00-12:00 停水。"}}]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at is not None) == ("sent", 1, True)
    assert list(DeliveryLog.objects.values_list("action", "from_status", "to_status")) == [
        ("succeed", "pending", "sent")
    ]


def test_wecom_mention_all_goes_as_text_with_the_mobile_list(tree, make_chat):
    chat, robot = make_chat(tree.street1, "wecom")
    delivery = one_delivery(tree, chat, mention_all=True)
    assert sending.deliver(delivery.pk) == "sent"
    body = robot.messages[0]
    assert body["msgtype"] == "text" and body["text"]["mentioned_mobile_list"] == ["@all"]


@pytest.mark.parametrize("provider", ["dingtalk", "feishu"])
def test_signed_robots_accept_our_signature(tree, make_chat, provider):
    chat, robot = make_chat(tree.street1, provider, secret="SEC-test-secret-0123456789")
    assert sending.deliver(one_delivery(tree, chat).pk) == "sent"
    assert len(robot.messages) == 1


@pytest.mark.parametrize(("provider", "code"), [("dingtalk", 310000), ("feishu", 19021)])
def test_a_wrong_secret_is_permanent_dead_at_once(tree, make_chat, provider, code):
    chat, robot = make_chat(tree.street1, provider, secret="the-right-secret")
    chat.secret = "a-wrong-secret"
    chat.save()
    delivery = one_delivery(tree, chat)
    assert sending.deliver(delivery.pk) == "dead"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and str(code) in delivery.last_error
    assert "a-wrong-secret" not in delivery.last_error and robot.messages == []


def test_signatures_follow_the_published_examples():
    # Both schemes are HMAC-SHA256 over "timestamp\nsecret", base64: DingTalk keys it with the
    # secret, Feishu keys it with the string itself over an empty message.
    assert dingtalk_sign("SECabc", 1_600_000_000_000) == "ABcUcMOwyGGKmiNbHqEbhvKpuIGkMXqT1gAGfAAmnk8="
    assert feishu_sign("abc", 1_600_000_000) == "6L6POH2rt4SuqaKjbCNoZ7H6Z3R3OevLdHc4Q+A+cEY="


def test_an_unknown_wecom_key_is_permanent(tree, make_chat, robots):
    chat, _ = make_chat(tree.street1, "wecom")
    chat.webhook_url = robots.webhook("wecom", "no-such-key")
    chat.save()
    delivery = one_delivery(tree, chat)
    assert sending.deliver(delivery.pk) == "dead"
    assert "93000" in Delivery.objects.get(pk=delivery.pk).last_error


def test_passing_errors_back_off_then_succeed(tree, make_chat, settings):
    settings.DELIVERY_RETRY_BASE_SECONDS = 10
    chat, robot = make_chat(tree.street1, "wecom")
    robot.behaviour.update(fail=2, errcode="503")
    delivery = one_delivery(tree, chat)
    now = timezone.now()
    assert sending.deliver(delivery.pk, now=now) == "failed"
    delivery.refresh_from_db()
    first_wait = (delivery.next_attempt_at - now).total_seconds()
    assert delivery.status == "failed" and 5 <= first_wait <= 10 and "503" in delivery.last_error
    assert sending.deliver(delivery.pk, now=now) == "skipped"  # not due yet
    later = now + timedelta(seconds=11)
    assert sending.deliver(delivery.pk, now=later) == "failed"
    delivery.refresh_from_db()
    assert 10 <= (delivery.next_attempt_at - later).total_seconds() <= 20  # doubled
    assert sending.deliver(delivery.pk, now=later + timedelta(seconds=21)) == "sent"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(robot.messages)) == ("sent", 3, 1)


def test_a_delivery_that_keeps_failing_goes_dead(tree, make_chat, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 3
    chat, robot = make_chat(tree.street1, "dingtalk")
    robot.behaviour.update(fail=99, errcode=-1)
    delivery = one_delivery(tree, chat)
    at = timezone.now()
    outcomes = []
    for _ in range(3):
        outcomes.append(sending.deliver(delivery.pk, now=at))
        at += timedelta(hours=1)
    assert outcomes == ["failed", "failed", "dead"]
    assert Delivery.objects.get(pk=delivery.pk).status == "dead"


def test_a_hanging_robot_times_out_and_is_retried(tree, make_chat, settings):
    settings.OUTBOUND_READ_TIMEOUT = 0.3
    chat, robot = make_chat(tree.street1, "feishu")
    robot.behaviour["hang"] = 1.0
    delivery = one_delivery(tree, chat)
    assert sending.deliver(delivery.pk) == "failed"
    assert "Timeout" in Delivery.objects.get(pk=delivery.pk).last_error


def test_backoff_grows_with_jitter_and_a_ceiling(settings):
    settings.DELIVERY_RETRY_BASE_SECONDS = 10
    settings.DELIVERY_RETRY_MAX_SECONDS = 100
    waits = {attempt: [sending.backoff(attempt) for _ in range(50)] for attempt in (1, 2, 3, 8)}
    assert all(5 <= w <= 10 for w in waits[1]) and all(10 <= w <= 20 for w in waits[2])
    assert all(50 <= w <= 100 for w in waits[8])
    assert len(set(waits[3])) > 1  # jitter: workers do not retry in lockstep


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_ends(tree, make_chat):
    chat, _ = make_chat(tree.street1)
    delivery = one_delivery(tree, chat)
    now = timezone.now()
    assert sending.claim(delivery.pk, now=now) is not None
    assert sending.claim(delivery.pk, now=now) is None
    assert sending.deliver(delivery.pk, now=now) == "skipped"
    assert sending.claim(delivery.pk, now=now + timedelta(minutes=5)) is not None


def test_the_robot_limit_defers_the_21st_message(tree, make_chat, settings):
    chat, robot = make_chat(tree.street1, "wecom")
    for _ in range(25):
        one_delivery(tree, chat)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    outcomes = [sending.deliver(pk) for pk in ids]
    assert outcomes.count("sent") == 20 and outcomes.count("deferred") == 5
    assert robot.refused == [] and len(robot.messages) == 20
    waiting = Delivery.objects.filter(status="pending")
    assert waiting.count() == 5
    assert all(d.next_attempt_at > timezone.now() + timedelta(seconds=50) for d in waiting)


def test_the_sweeper_resends_what_was_left_pending(tree, make_chat, django_capture_on_commit_callbacks):
    chat, robot = make_chat(tree.street1)
    delivery = one_delivery(tree, chat)  # enqueue=False: as if the broker had been down
    assert sending.sweep_pending() == 0  # not overdue yet
    assert sending.sweep_pending(now=timezone.now() + timedelta(minutes=2)) == 1
    assert Delivery.objects.get(pk=delivery.pk).status == "sent" and len(robot.messages) == 1
    assert sending.sweep_pending(now=timezone.now() + timedelta(minutes=5)) == 0


def test_subscribe_message_cut_to_limits_and_token_refreshed(tree, wechat, settings):
    settings.WECHAT_SUBSCRIBE_TEMPLATES = {**settings.WECHAT_SUBSCRIBE_TEMPLATES, "announcement": "tpl-ann"}
    wechat.behaviour["expire_token"] = True
    notify(
        event="announcement",
        users=[tree.resident1],
        channels={"subscribe"},
        context={
            "title": "关于开展老旧小区改造意见征集的通知（第二批）",
            "grid_name": "第1街道",
            "time": "2026-11-25 09:00",
        },
    )
    delivery = Delivery.objects.get()
    assert sending.deliver(delivery.pk) == "sent"
    (sent,) = wechat.sent_messages
    assert sent["touser"] == "o-resident1" and sent["template_id"] == "tpl-ann"
    assert len(sent["data"]["thing1"]["value"]) == 20


def test_subscribe_43101_is_final(tree, wechat, settings):
    settings.WECHAT_SUBSCRIBE_TEMPLATES = {**settings.WECHAT_SUBSCRIBE_TEMPLATES, "announcement": "tpl-ann"}
    wechat.behaviour["unsubscribed"] = ["o-resident1"]
    notify(event="announcement", users=[tree.resident1], channels={"subscribe"}, context={"title": "t"})
    delivery = Delivery.objects.get()
    assert sending.deliver(delivery.pk) == "dead"
    assert "43101" in Delivery.objects.get().last_error


def test_subscribe_value_limits():
    assert cut_value("phrase3", "已经受理完毕") == "已经受理完"
    assert cut_value("name1", "欧阳司马上官诸葛东方") == "欧阳司马上官诸葛东方"
    assert cut_value("name1", "欧阳司马上官诸葛东方西") == "欧阳司马上官诸葛东…"
    assert len(cut_value("character_string2", "x" * 40)) == 32
    assert cut_value("unknown9", "y" * 50) == "y" * 50


def test_a_robot_saying_too_fast_waits_a_whole_window(tree, make_chat, robots):
    robots.limit = 1  # someone else shares this robot: it is fuller than our own count says
    chat, _ = make_chat(tree.street1, "dingtalk")
    first, second = one_delivery(tree, chat), one_delivery(tree, chat)
    now = timezone.now()
    assert sending.deliver(first.pk, now=now) == "sent"
    assert sending.deliver(second.pk, now=now) == "failed"
    second.refresh_from_db()
    assert "130101" in second.last_error
    assert (second.next_attempt_at - now).total_seconds() >= 60


def test_a_large_fan_out_pushes_only_to_users_with_a_socket(tree, settings, django_capture_on_commit_callbacks):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from notifications import realtime

    settings.NOTIFY_INLINE_MAX = 1  # two recipients count as "large" here
    layer = get_channel_layer()
    channels = {}
    for user in (tree.resident1, tree.resident2):
        channels[user.pk] = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(realtime.user_group(user.pk), channels[user.pk])
    realtime.mark_online(tree.resident1.pk)
    with django_capture_on_commit_callbacks(execute=True):
        notify(event="group_chat_test", residents_under=tree.district, context={"chat_name": "x"})

    async def receive(channel: str):
        import asyncio

        try:
            return await asyncio.wait_for(layer.receive(channel), timeout=0.5)
        except TimeoutError:
            return None

    got = async_to_sync(receive)(channels[tree.resident1.pk])
    assert got["message"]["type"] == "notification"
    assert async_to_sync(receive)(channels[tree.resident2.pk]) is None

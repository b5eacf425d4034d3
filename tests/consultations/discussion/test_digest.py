"""The follower digest: however busy the thread, one inbox message per follower and
consultation per window, counting the posts by others since the last one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.discussion.services import send_due_digests
from consultations.discussion.tasks import send_due_digests as send_due_digests_task
from consultations.models import Follow
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def digests(user) -> list[str]:
    rows = Notification.objects.filter(user=user, message__event="consultation_posts_digest").order_by("pk")
    return [row.message.body for row in rows]


def test_a_busy_thread_sends_one_digest_per_window(tree, topic, say, neighbour):
    follower, talker = neighbour(), neighbour()
    Follow.objects.create(consultation=topic, user=follower)
    for i in range(8):
        say(talker, topic, f"第{i}条")
    assert digests(follower) == []  # nothing per post
    now = timezone.now()
    assert send_due_digests(now=now) == 1  # the talker follows too, but wrote all of them
    assert digests(follower) == [f"您关注的议题“{topic.title}”有 8 条新发言。"]
    assert send_due_digests(now=now + timedelta(seconds=5)) == 0

    for i in range(3):
        say(talker, topic, f"又一条{i}")
    assert send_due_digests(now=now + timedelta(minutes=10)) == 0  # still inside the window
    assert send_due_digests(now=now + timedelta(minutes=31)) == 1
    assert digests(follower)[-1].endswith("有 3 条新发言。") and len(digests(follower)) == 2
    assert digests(talker) == []


def test_the_writer_is_told_of_the_others_posts_only(tree, topic, say, neighbour):
    a, b = neighbour(), neighbour()
    Follow.objects.bulk_create([Follow(consultation=topic, user=a), Follow(consultation=topic, user=b)])
    say(a, topic, "a 说")
    say(b, topic, "b 说")
    say(b, topic, "b 又说")
    assert send_due_digests_task.delay().get() == 2
    assert digests(a)[0].endswith("有 2 条新发言。") and digests(b)[0].endswith("有 1 条新发言。")


def test_held_and_hidden_posts_are_not_counted(api, tree, topic, say, neighbour):
    follower = neighbour()
    Follow.objects.create(consultation=topic, user=follower)
    say(neighbour(), topic, "有需要的加微信")  # held by the word list
    assert send_due_digests(now=timezone.now()) == 0
    assert digests(follower) == []

"""What residents wrote reaches a group chat (a public room) masked."""

from __future__ import annotations

import pytest

from notifications import delivery as sending
from notifications.models import Delivery
from notifications.services import fan_out

pytestmark = pytest.mark.django_db

TEXT = "我是王建国，电话13812345678"


def test_group_chat_text_is_masked(tree, make_chat):
    chat, robot = make_chat(tree.street1, "wecom")
    fan_out(
        event="announcement",
        grid=chat.grid,
        channels={"group_chat"},
        enqueue=False,
        context={"title": "来信", "body": TEXT, "grid_name": chat.grid.name},
    )
    delivery = Delivery.objects.filter(chat=chat).latest("pk")
    assert sending.deliver(delivery.pk) == "sent"
    content = robot.messages[0]["markdown"]["content"]
    assert "13812345678" not in content and "王建国" not in content
    assert "138****5678" in content and "王某" in content
    assert TEXT in delivery.message.body  # stored as written: masking is at the public door

"""The admin's group-chat form applies the same webhook host allow-list as the API."""

from __future__ import annotations

import pytest

from notifications.admin import GroupChatForm

pytestmark = pytest.mark.django_db


def group_chat_form(tree, webhook_url: str) -> GroupChatForm:
    return GroupChatForm(
        data={
            "grid": tree.grid1.pk,
            "name": "群",
            "provider": "wecom",
            "is_active": True,
            "new_webhook_url": webhook_url,
        }
    )


def test_the_admin_form_refuses_a_webhook_outside_the_allow_list(tree):
    form = group_chat_form(tree, "https://169.254.169.254/latest/meta-data")
    assert not form.is_valid()
    assert "new_webhook_url" in form.errors


def test_the_admin_form_accepts_the_providers_host(tree):
    form = group_chat_form(tree, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")
    assert form.is_valid(), form.errors

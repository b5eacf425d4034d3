"""The Django admin pages of every notifications model, the write-only secrets there, and the
demo seed."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from notifications import demo
from notifications.models import Delivery, GroupChat
from notifications.services import announcement_create
from residents.models import User

pytestmark = pytest.mark.django_db

SECRET = "SEC-admin-never-shows-this"


def test_every_admin_page_renders_without_secrets(tree, make_chat, django_capture_on_commit_callbacks):
    chat, _ = make_chat(tree.street1, "dingtalk", secret=SECRET)
    token = chat.webhook_url.rsplit("=", 1)[-1]
    with django_capture_on_commit_callbacks(execute=True):
        announcement_create(actor=tree.staff1, grid=tree.street1, title="t", body="b")
    root = User.objects.create_superuser("root", "root@example.com", "Pa55word!x")
    browser = Client()
    browser.force_login(root)
    delivery = Delivery.objects.get()
    pages = []
    for model in ("groupchat", "message", "notification", "delivery", "announcement"):
        pages.append(f"/admin/notifications/{model}/")
        pages.append(f"/admin/notifications/{model}/add/")
    pages += [
        f"/admin/notifications/groupchat/{chat.pk}/change/",
        f"/admin/notifications/delivery/{delivery.pk}/change/",
    ]
    for page in pages:
        answer = browser.get(page)
        assert answer.status_code == 200, page
        assert SECRET not in answer.content.decode() and token not in answer.content.decode(), page


def test_admin_form_keeps_the_secret_when_left_blank(tree, make_chat):
    chat, _ = make_chat(tree.street1, "feishu", secret=SECRET)
    root = User.objects.create_superuser("root", "root@example.com", "Pa55word!x")
    browser = Client()
    browser.force_login(root)
    answer = browser.post(
        f"/admin/notifications/groupchat/{chat.pk}/change/",
        {
            "grid": tree.street1.pk,
            "name": "改名",
            "provider": "feishu",
            "is_active": "on",
            "new_webhook_url": "",
            "new_secret": "",
        },
    )
    assert answer.status_code == 302
    chat.refresh_from_db()
    assert chat.name == "改名" and chat.secret == SECRET


def test_demo_seed_is_idempotent(tree):
    shape = {"street": [tree.street1, tree.street2], "community": [tree.community1, tree.community2]}
    out = io.StringIO()
    demo.seed(shape=shape, stdout=out)
    demo.seed(shape=shape, stdout=out)
    assert GroupChat.objects.count() == 4
    assert "0 created" in out.getvalue().splitlines()[-1]

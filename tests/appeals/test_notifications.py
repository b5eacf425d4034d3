"""Who hears of each appeal use case: the 13 events of appeals/notifications.py, read back from
the rows `notify` wrote (tests/notify_asserts.py): the inbox rows per recipient, the handling
unit's group-chat deliveries and the submitter's subscribe message. Nobody hears of their own
act; a hotline caller hears through the platform, not the inbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from appeals import tasks
from appeals.models import Appeal
from grids.models import Role
from notifications.models import GroupChat
from tests.grids.factories import AssignmentFactory
from tests.notify_asserts import Captured, captured_notifications
from tests.residents.factories import UserFactory

from .factories import make_appeal
from .test_hotline import order, send

pytestmark = pytest.mark.django_db

WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={}"  # never called: nothing commits


@pytest.fixture(autouse=True)
def _subscribed(settings: Any, tree: Any) -> None:
    """resident1 accepted the status subscribe template, so submitter events write its delivery."""
    settings.WECHAT_SUBSCRIBE_TEMPLATES = {**settings.WECHAT_SUBSCRIBE_TEMPLATES, "status_update": "tmpl-status"}
    tree.resident1.openid = "o-resident1"
    tree.resident1.save(update_fields=["openid"])


def chat_at(unit: Any) -> GroupChat:
    return GroupChat.objects.create(
        grid=unit, name=f"{unit.name}群", provider="wecom", webhook_url=WEBHOOK.format(unit.pk)
    )


@pytest.fixture
def grid_chat(tree: Any) -> GroupChat:
    return chat_at(tree.grid1)


@pytest.fixture
def sent(db: None) -> Any:
    with captured_notifications() as captured:
        yield captured


def told_submitter(sent: Captured, tree: Any, event: str) -> None:
    """`event` reached resident1 alone: the inbox row and the subscribe message, no chat."""
    assert sent.events() == [event]
    assert sent.recipients(event) == {tree.resident1.pk}
    assert sent.deliveries(event) == [("subscribe", tree.resident1.pk)]


def told_unit(sent: Captured, event: str, handlers: set[int], chat: GroupChat) -> None:
    """`event` reached the handling unit: its handlers' inboxes and its group chat."""
    assert sent.events() == [event]
    assert sent.recipients(event) == handlers
    assert sent.deliveries(event) == [("group_chat", chat.pk)]


def post(api: Any, user: Any, appeal: Appeal, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = api.as_user(user).post(f"/api/v1/appeals/{appeal.pk}/{action}", body or {})
    assert response.status_code == 200, response.content
    return response.json()


# --- the handling unit hears -------------------------------------------------------------


def test_submit_tells_the_handling_unit(api, tree, grid_chat, sent):
    body = {"category": "environment", "title": "楼道堆放杂物", "description": "三单元楼道堆满纸箱。"}
    assert api.as_user(tree.resident1).post("/api/v1/appeals", body).status_code == 201
    told_unit(sent, "appeal_submitted", {tree.worker1.pk}, grid_chat)
    assert sent.to(tree.resident1) == []  # not of their own act


def test_a_hotline_order_tells_the_handling_unit(api, tree, grid_chat, hotline, sent):
    assert send(api, order(grid_code=tree.micro1.code)).status_code == 201
    told_unit(sent, "appeal_submitted", {tree.worker1.pk}, grid_chat)


def test_escalate_tells_the_submitter_and_the_unit_above(api, tree, appeal, sent):
    community_worker = UserFactory()
    AssignmentFactory(user=community_worker, unit=tree.community1, role=Role.GRID_WORKER)
    community_chat, _ = chat_at(tree.community1), chat_at(tree.grid1)  # the grid's own chat hears nothing
    sent.clear()
    post(api, tree.worker1, appeal, "escalate", {"reason": "需社区协调"})
    assert sent.events() == ["appeal_escalated", "appeal_escalated_in"]
    assert sent.recipients("appeal_escalated") == {tree.resident1.pk}
    assert sent.deliveries("appeal_escalated") == [("subscribe", tree.resident1.pk)]
    assert sent.recipients("appeal_escalated_in") == {community_worker.pk}
    assert sent.deliveries("appeal_escalated_in") == [("group_chat", community_chat.pk)]


def test_the_deadline_task_tells_the_unit_of_an_overdue_appeal(api, tree, grid_chat, accepted, sent):
    tasks.enforce_deadlines(now=accepted.due_at + timedelta(minutes=1))
    told_unit(sent, "appeal_overdue", {tree.worker1.pk}, grid_chat)


def test_a_submitter_reply_before_acceptance_tells_the_unit(api, tree, grid_chat, appeal, sent):
    post(api, tree.resident1, appeal, "reply", {"content": "纸箱越堆越多了"})
    told_unit(sent, "appeal_submitter_replied", {tree.worker1.pk}, grid_chat)


# --- whoever accepted it hears (inbox only) ----------------------------------------------


def test_a_submitter_reply_after_acceptance_tells_the_acceptor(api, tree, grid_chat, accepted, sent):
    post(api, tree.resident1, accepted, "reply", {"content": "请尽快"})
    assert sent.to(tree.worker1) == ["appeal_submitter_replied"]
    assert sent.recipients("appeal_submitter_replied") == {tree.worker1.pk}
    assert sent.deliveries() == []  # the acceptor's inbox only, not the chat


def test_reopen_tells_the_acceptor(api, tree, grid_chat, resolved, sent):
    post(api, tree.resident1, resolved, "reopen", {"reason": "还没清理干净"})
    assert sent.events() == ["appeal_reopened"] and sent.recipients("appeal_reopened") == {tree.worker1.pk}
    assert sent.deliveries() == []


def test_rate_tells_the_acceptor(api, tree, grid_chat, resolved, sent):
    post(api, tree.resident1, resolved, "rate", {"score": 5, "comment": "很及时"})
    assert sent.events() == ["appeal_rated"] and sent.recipients("appeal_rated") == {tree.worker1.pk}
    assert sent.deliveries() == []


# --- the submitter hears -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "body", "event"),
    [
        ("accept", None, "appeal_accepted"),
        ("reply", {"content": "明天上午处理"}, "appeal_replied"),
        ("reject", {"reason": "不属于受理范围"}, "appeal_rejected"),
    ],
)
def test_a_handler_step_on_a_submitted_appeal_tells_the_submitter(
    api, tree, grid_chat, appeal, sent, action, body, event
):
    post(api, tree.worker1, appeal, action, body)
    told_submitter(sent, tree, event)
    assert sent.to(tree.worker1) == []


def test_to_mediation_tells_the_submitter_and_mediation_tells_its_own(api, tree, grid_chat, appeal, sent):
    post(api, tree.worker1, appeal, "to-mediation")
    assert sent.events() == ["mediation_case_applied", "appeal_to_mediation"]  # the case opens first
    assert sent.recipients("appeal_to_mediation") == {tree.resident1.pk}
    assert sent.deliveries("appeal_to_mediation") == [("subscribe", tree.resident1.pk)]


def test_resolve_tells_the_submitter(api, tree, grid_chat, accepted, sent):
    post(api, tree.worker1, accepted, "resolve", {"content": "已清理"})
    told_submitter(sent, tree, "appeal_resolved")


def test_the_deadline_task_tells_the_submitter_their_appeal_closed(api, tree, grid_chat, resolved, sent):
    tasks.enforce_deadlines(now=timezone.now() + timedelta(days=30))
    told_submitter(sent, tree, "appeal_closed")


def test_a_hotline_appeal_tells_no_inbox_of_its_progress(api, tree, hotline, sent):
    created = send(api, order(grid_code=tree.micro1.code)).json()
    sent.clear()
    post(api, tree.worker1, Appeal.objects.get(pk=created["id"]), "accept")
    assert sent.events() == [] and sent.deliveries() == []


def test_nobody_hears_of_a_refused_step(api, tree, grid_chat, sent):
    appeal = make_appeal(submitter=tree.resident1)
    sent.clear()
    assert api.as_user(tree.resident1).post(f"/api/v1/appeals/{appeal.pk}/accept").status_code == 403
    assert api.as_user(tree.worker1).post(f"/api/v1/appeals/{appeal.pk}/resolve", {"content": "x"}).status_code == 409
    assert sent.events() == [] and sent.deliveries() == []

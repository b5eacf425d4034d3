"""API.md "Notifications" over HTTP: inbox, group chats, test message, announcements, deliveries;
each success beside its refusals, and no secret in any answer."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from notifications.models import Delivery, GroupChat, Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db

SECRET = "SEC-very-secret-signing-key-42"


# --- inbox ---------------------------------------------------------------------------------


def test_inbox_list_read_and_counts(api, tree):
    for n in range(3):
        notify(event="group_chat_test", users=[tree.resident1], context={"chat_name": f"群{n}"})
    notify(event="group_chat_test", users=[tree.resident2], context={"chat_name": "别人的"})
    me = api.as_user(tree.resident1)
    listing = me.get("/api/v1/notifications")
    assert listing.status_code == 200
    rows = listing.json()["results"]
    assert [r["body"].count("群2") for r in rows][:1] == [1] and len(rows) == 3  # newest first, own only
    assert me.get("/api/v1/notifications/unread-count").json() == {"unread_count": 3}
    first = rows[0]["id"]
    read = me.post(f"/api/v1/notifications/{first}/read")
    assert read.status_code == 200 and read.json()["read"] is True
    assert len(me.get("/api/v1/notifications?unread=true").json()["results"]) == 2
    assert me.post("/api/v1/notifications/read-all").json() == {"updated": 2, "unread_count": 0}
    assert me.get("/api/v1/notifications/unread-count").json() == {"unread_count": 0}


def test_someone_elses_notification_is_404(api, tree):
    notify(event="group_chat_test", users=[tree.resident2], context={"chat_name": "x"})
    row = Notification.objects.get()
    assert api.as_user(tree.resident1).post(f"/api/v1/notifications/{row.pk}/read").status_code == 404
    assert api.post(f"/api/v1/notifications/{row.pk}/read").status_code == 401


def test_bad_unread_filter_is_400(api, tree):
    assert api.as_user(tree.resident1).get("/api/v1/notifications?unread=maybe").status_code == 400


@pytest.mark.parametrize("count", [2, 30])
def test_inbox_queries_do_not_grow(api, tree, count, django_assert_max_num_queries):
    for _ in range(count):
        notify(event="group_chat_test", users=[tree.resident1], context={"chat_name": "x"})
    client = api.as_user(tree.resident1)
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/notifications?page_size=50").status_code == 200


# --- group chats ---------------------------------------------------------------------------


def chat_body(tree, robots, provider="dingtalk", grid=None):
    _, url = robots.add(provider, secret=SECRET)
    return {
        "grid": (grid or tree.community1).pk,
        "name": "第1社区居民群",
        "provider": provider,
        "webhook_url": url,
        "secret": SECRET,
    }


def test_staff_register_a_chat_and_never_see_its_secret(api, tree, robots):
    body = chat_body(tree, robots)
    created = api.as_user(tree.staff1).post("/api/v1/group-chats", body)
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["has_secret"] is True and out["provider"] == "dingtalk"
    token = body["webhook_url"].rsplit("=", 1)[-1]
    assert token not in json.dumps(out) and SECRET not in json.dumps(out)
    chat = GroupChat.objects.get()
    assert chat.secret == SECRET  # stored encrypted, readable by the server only
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret, webhook_url FROM notifications_groupchat")
        stored_secret, stored_url = cursor.fetchone()
    assert SECRET not in stored_secret and token not in stored_url


def test_chat_refusals(api, tree, robots, settings):
    body = chat_body(tree, robots)
    assert api.as_user(tree.staff2).post("/api/v1/group-chats", body).status_code == 404  # other street
    assert api.as_user(tree.resident1).post("/api/v1/group-chats", body).status_code == 403
    assert api.as_user(tree.worker1).post("/api/v1/group-chats", body).status_code == 403
    evil = {**body, "webhook_url": "https://169.254.169.254/latest/meta-data?access_token=x"}
    bad = api.as_user(tree.staff1).post("/api/v1/group-chats", evil)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_webhook_url"
    assert api.as_user(tree.staff1).post("/api/v1/group-chats", {**body, "provider": "qq"}).status_code == 400
    assert api.as_user(tree.staff1).post("/api/v1/group-chats", {**body, "grid": 999999}).status_code == 400
    assert api.as_user(tree.staff1).post("/api/v1/group-chats", body).status_code == 201
    dup = api.as_user(tree.admin).post("/api/v1/group-chats", body)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate_webhook"
    assert not GroupChat.objects.filter(grid=tree.community2).exists()


def test_chats_are_scoped_to_the_subtree(api, tree, make_chat):
    mine, _ = make_chat(tree.micro1)
    theirs, _ = make_chat(tree.street2)
    listed = api.as_user(tree.staff1).get("/api/v1/group-chats").json()["results"]
    assert [c["id"] for c in listed] == [mine.pk]
    assert api.as_user(tree.staff1).get(f"/api/v1/group-chats/{theirs.pk}").status_code == 404
    assert api.as_user(tree.staff1).patch(f"/api/v1/group-chats/{theirs.pk}", {"name": "x"}).status_code == 404
    assert api.as_user(tree.staff1).post(f"/api/v1/group-chats/{theirs.pk}/test").status_code == 404
    assert api.as_user(tree.resident1).get("/api/v1/group-chats").json()["results"] == []
    assert {c["id"] for c in api.as_user(tree.admin).get("/api/v1/group-chats").json()["results"]} == {
        mine.pk,
        theirs.pk,
    }


def test_test_message_reaches_the_chat(api, tree, make_chat):
    chat, robot = make_chat(tree.community1, "feishu", secret=SECRET)
    answer = api.as_user(tree.staff1).post(f"/api/v1/group-chats/{chat.pk}/test")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "sent" and answer.json()["event"] == "group_chat_test"
    (message,) = robot.messages
    assert message["content"]["post"]["zh_cn"]["title"] == "测试消息"


def test_failed_test_message_shows_the_error_but_not_the_secret(api, tree, make_chat):
    chat, _ = make_chat(tree.community1, "dingtalk", secret="right")
    api.as_user(tree.staff1).patch(f"/api/v1/group-chats/{chat.pk}", {"secret": SECRET})
    answer = api.as_user(tree.staff1).post(f"/api/v1/group-chats/{chat.pk}/test").json()
    assert answer["status"] == "dead" and "310000" in answer["last_error"]
    assert SECRET not in json.dumps(answer)


def test_deactivated_chat_gets_nothing(api, tree, make_chat):
    chat, robot = make_chat(tree.community1)
    patched = api.as_user(tree.staff1).patch(f"/api/v1/group-chats/{chat.pk}", {"is_active": False})
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    refused = api.as_user(tree.staff1).post(f"/api/v1/group-chats/{chat.pk}/test")
    assert refused.status_code == 409 and robot.messages == []
    assert refused.json()["error"]["code"] == "group_chat_inactive"


# --- announcements and deliveries ----------------------------------------------------------


def announce(api, user, grid, **extra):
    body = {"grid": grid.pk, "title": "停水通知", "body": "明日 8:00-12:00 停水，请提前储水。", **extra}
    return api.as_user(user).post("/api/v1/announcements", body)


def test_announcement_fans_out_and_shows_counts(api, tree, make_chat, django_capture_on_commit_callbacks):
    _, street_robot = make_chat(tree.street1)
    _, micro_robot = make_chat(tree.micro1, "dingtalk", secret=SECRET)
    _, broken = make_chat(tree.community1, "feishu")
    broken.behaviour.update(fail=1, errcode=19024)
    _, other = make_chat(tree.street2)
    with django_capture_on_commit_callbacks(execute=True):
        created = announce(api, tree.staff1, tree.street1)
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["recipients"] == 1 and out["channels"] == ["group_chat", "inbox"]
    shown = api.as_user(tree.staff1).get(f"/api/v1/announcements/{out['id']}").json()
    assert shown["deliveries"] == {"pending": 0, "sent": 2, "failed": 0, "dead": 1}
    assert len(street_robot.messages) == len(micro_robot.messages) == 1 and other.messages == []
    inbox = api.as_user(tree.resident1).get("/api/v1/notifications").json()["results"]
    assert inbox[0]["title"] == "停水通知" and inbox[0]["event"] == "announcement"
    assert api.as_user(tree.resident2).get("/api/v1/notifications").json()["results"] == []


def test_announcement_refusals(api, tree):
    assert announce(api, tree.staff2, tree.street1).status_code == 404
    assert announce(api, tree.resident1, tree.street1).status_code == 403
    assert announce(api, tree.staff1, tree.street1, channels=[]).status_code == 400
    assert announce(api, tree.staff1, tree.street1, channels=["fax"]).status_code == 400
    assert api.as_user(tree.staff1).post("/api/v1/announcements", {"grid": tree.street1.pk}).status_code == 400
    assert not Notification.objects.exists()


def test_announcements_are_scoped(api, tree):
    created = announce(api, tree.staff1, tree.street1).json()
    assert api.as_user(tree.staff2).get(f"/api/v1/announcements/{created['id']}").status_code == 404
    assert api.as_user(tree.staff2).get("/api/v1/announcements").json()["results"] == []
    assert [a["id"] for a in api.as_user(tree.admin).get("/api/v1/announcements").json()["results"]] == [created["id"]]


def test_dead_deliveries_listed_and_retried_by_staff(api, tree, make_chat, django_capture_on_commit_callbacks):
    chat, robot = make_chat(tree.micro1)
    robot.behaviour.update(fail=1, errcode=93000)
    with django_capture_on_commit_callbacks(execute=True):
        announce(api, tree.staff1, tree.street1, channels=["group_chat"])
    dead = api.as_user(tree.staff1).get("/api/v1/deliveries?status=dead").json()["results"]
    assert len(dead) == 1 and "93000" in dead[0]["last_error"] and dead[0]["chat"] == chat.pk
    assert api.as_user(tree.staff2).get("/api/v1/deliveries?status=dead").json()["results"] == []
    assert api.as_user(tree.staff2).post(f"/api/v1/deliveries/{dead[0]['id']}/retry").status_code == 404
    assert api.as_user(tree.resident1).post(f"/api/v1/deliveries/{dead[0]['id']}/retry").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        retried = api.as_user(tree.staff1).post(f"/api/v1/deliveries/{dead[0]['id']}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "pending"  # answered before sending
    assert Delivery.objects.get().status == "sent" and len(robot.messages) == 1
    again = api.as_user(tree.staff1).post(f"/api/v1/deliveries/{dead[0]['id']}/retry")
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"
    actions = Delivery.objects.get().log.values_list("action", "actor")
    assert list(actions) == [("give_up", None), ("retry", tree.staff1.pk), ("succeed", None)]


def test_bad_status_filter_is_400(api, tree):
    assert api.as_user(tree.staff1).get("/api/v1/deliveries?status=lost").status_code == 400


@pytest.mark.parametrize("count", [1, 15])
def test_lists_do_not_grow_in_queries(api, tree, make_chat, count, django_assert_max_num_queries):
    for i in range(count):
        make_chat(tree.micro1, name=f"群{i}")
        announce(api, tree.staff1, tree.street1, channels=["group_chat"])
    staff = api.as_user(tree.staff1)
    for path in ("/api/v1/group-chats", "/api/v1/announcements", "/api/v1/deliveries"):
        with django_assert_max_num_queries(4):
            assert staff.get(path + "?page_size=100").status_code == 200


def test_no_answer_ever_contains_a_secret_or_webhook_key(
    api, tree, robots, make_chat, django_capture_on_commit_callbacks
):
    tokens = []
    answers = []
    staff = api.as_user(tree.staff1)
    for provider in ("wecom", "dingtalk", "feishu"):
        body = chat_body(tree, robots, provider, grid=tree.micro1)
        tokens.append(body["webhook_url"].rsplit("=", 1)[-1].rsplit("/", 1)[-1])
        created = staff.post("/api/v1/group-chats", body)
        answers.append(created)
        chat_id = created.json()["id"]
        answers.append(staff.get(f"/api/v1/group-chats/{chat_id}"))
        answers.append(staff.patch(f"/api/v1/group-chats/{chat_id}", {"name": "改名"}))
        answers.append(staff.post(f"/api/v1/group-chats/{chat_id}/test"))
    answers.append(staff.get("/api/v1/group-chats"))
    with django_capture_on_commit_callbacks(execute=True):
        announcement = announce(api, tree.staff1, tree.street1)
    answers += [announcement, staff.get(f"/api/v1/announcements/{announcement.json()['id']}")]
    answers += [staff.get("/api/v1/announcements"), staff.get("/api/v1/deliveries")]
    first = staff.get("/api/v1/deliveries").json()["results"][0]["id"]
    answers.append(staff.get(f"/api/v1/deliveries/{first}"))
    answers.append(api.as_user(tree.resident1).get("/api/v1/notifications"))
    answers.append(api.as_user(tree.admin).get("/api/v1/group-chats"))
    assert all(a.status_code in (200, 201) for a in answers), [a.status_code for a in answers]
    for answer in answers:
        text = answer.content.decode()
        assert SECRET not in text
        for token in tokens:
            assert token not in text


# --- list filters (notifications/filters.py) -----------------------------------------------


def test_chat_and_announcement_filters_narrow(api, tree, make_chat):
    wecom, _ = make_chat(tree.grid1)
    feishu, _ = make_chat(tree.micro1, "feishu")
    staff = api.as_user(tree.staff1)

    def ids(path: str) -> list[int]:
        response = staff.get(path)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("/api/v1/group-chats?provider=feishu") == [feishu.pk]
    assert ids(f"/api/v1/group-chats?grid={tree.grid1.pk}") == [wecom.pk]
    assert ids(f"/api/v1/group-chats?grid={tree.grid1.pk}&provider=feishu") == []
    created = announce(api, tree.staff1, tree.micro1).json()  # reaches the micro-grid's chat only
    assert ids(f"/api/v1/announcements?grid={tree.micro1.pk}") == [created["id"]]
    assert ids(f"/api/v1/announcements?grid={tree.grid1.pk}") == []
    assert ids(f"/api/v1/deliveries?announcement={created['id']}&chat={feishu.pk}") != []
    assert ids(f"/api/v1/deliveries?announcement={created['id']}&chat={wecom.pk}") == []
    assert ids(f"/api/v1/deliveries?announcement={created['id']}&status=pending") != []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/notifications?unread=maybe", "unread"),
        ("/api/v1/group-chats?provider=qq", "provider"),
        ("/api/v1/group-chats?grid=abc", "grid"),
        ("/api/v1/deliveries?status=lost", "status"),
        ("/api/v1/deliveries?announcement=x", "announcement"),
        ("/api/v1/deliveries?chat=1.5", "chat"),
        ("/api/v1/announcements?grid=abc", "grid"),
        (f"/api/v1/announcements?grid={2**70}", "grid"),
    ],
)
def test_a_bad_filter_value_is_400_naming_it(api, tree, path, field):
    response = api.as_user(tree.staff1).get(path)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [field]

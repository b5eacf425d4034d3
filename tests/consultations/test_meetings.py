"""Meetings: scheduling tells the invitees; registration; check-in with the code (wrong codes
refused, then throttled); motions voted once by those signed in, with a quorum; minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.models import Support
from notifications.models import Delivery, GroupChat, Notification

from .conftest import ok, refused, url

pytestmark = pytest.mark.django_db


def when(days: int = 1) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


def test_scheduling_tells_author_supporters_staff_and_group_chats(api, tree, in_review):
    GroupChat.objects.create(grid=tree.micro1, name="1号楼群", provider="wecom", webhook_url="http://127.0.0.1:9/hook")
    body = {"scheduled_at": when(), "place": "1号楼架空层", "agenda": ["议程一"]}
    meeting = ok(api.as_user(tree.staff1).post(url("consultations", in_review["id"], "meetings"), body), 201)
    assert meeting["quorum"] == 2  # the default (settings)
    told = set(
        Notification.objects.filter(message__event="consultation_meeting_scheduled").values_list("user_id", flat=True)
    )
    supporters = set(Support.objects.filter(consultation_id=in_review["id"]).values_list("user_id", flat=True))
    assert {tree.resident1.pk, tree.worker1.pk, tree.staff1.pk} | supporters <= told
    assert Delivery.objects.filter(message__event="consultation_meeting_scheduled", channel="group_chat").count() == 1


def test_invitees_with_an_openid_get_a_subscribe_message(api, tree, topic, settings):
    settings.WECHAT_SUBSCRIBE_TEMPLATES = {**settings.WECHAT_SUBSCRIBE_TEMPLATES, "status_update": "tmpl-status"}
    body = {"scheduled_at": when(), "place": "1号楼架空层", "agenda": []}
    ok(api.as_user(tree.staff1).post(url("consultations", topic["id"], "meetings"), body), 201)
    sent = Delivery.objects.filter(message__event="consultation_meeting_scheduled", channel="subscribe")
    assert set(sent.values_list("openid", flat=True)) == {"o-resident1"}  # the author; staff have none
    assert sent.get().message.subscribe["template_id"] == "tmpl-status"


def test_meeting_refusals(api, tree, topic, in_review):
    staff = api.as_user(tree.staff1)
    path = url("consultations", topic["id"], "meetings")
    refused(api.as_user(tree.resident1).post(path, {"scheduled_at": when(), "place": "x"}), 403, "not_staff")
    refused(staff.post(path, {"scheduled_at": when(-1), "place": "x"}), 400, "in_the_past")
    refused(staff.post(path, {"place": "x"}), 400)
    refused(staff.post(path, {"scheduled_at": when(), "place": "x", "quorum": 0}), 400)


def test_meeting_of_a_rejected_topic_is_409(api, tree, in_review):
    staff = api.as_user(tree.staff1)
    ok(staff.post(url("consultations", in_review["id"], "review"), {"decision": "reject", "reason": "重复"}))
    refused(
        staff.post(url("consultations", in_review["id"], "meetings"), {"scheduled_at": when(), "place": "x"}),
        409,
        "illegal_transition",
    )


def test_register_is_idempotent(api, tree, meeting):
    client = api.as_user(tree.resident1)
    ok(client.post(url("meetings", meeting["id"], "register")))
    body = ok(client.post(url("meetings", meeting["id"], "register")))
    assert body["registered"] == 1 and body["registered_by_me"]


def test_wrong_code_is_400_and_repeated_wrong_codes_are_throttled(api, tree, meeting, settings):
    settings.CONSULTATION_CHECK_IN_MAX_FAILURES = 3
    client = api.as_user(tree.resident1)
    for _ in range(3):
        refused(client.post(url("meetings", meeting["id"], "check-in"), {"code": "000000x"}), 400, "bad_code")
    response = client.post(url("meetings", meeting["id"], "check-in"), {"code": meeting["check_in_code"]})
    refused(response, 429, "check_in_locked")
    assert int(response["Retry-After"]) > 0
    # Someone else is not locked out by another's guesses.
    other = api.as_user(tree.worker1)
    assert ok(other.post(url("meetings", meeting["id"], "check-in"), {"code": meeting["check_in_code"]}))[
        "checked_in_by_me"
    ]


def test_check_in_is_idempotent_and_starts_deliberating(api, tree, meeting):
    client = api.as_user(tree.resident1)
    for _ in range(2):
        body = ok(client.post(url("meetings", meeting["id"], "check-in"), {"code": meeting["check_in_code"]}))
    assert body["checked_in"] == 1
    assert ok(client.get(url("consultations", meeting["consultation"])))["status"] == "deliberating"


def test_votes_need_check_in_and_count_once(api, tree, attendees, meeting, neighbour):
    staff = api.as_user(tree.staff1)
    refused(
        api.as_user(tree.resident1).post(url("meetings", meeting["id"], "motions"), {"text": "x"}), 403, "not_staff"
    )
    motion = ok(staff.post(url("meetings", meeting["id"], "motions"), {"text": "同意划线"}), 201)
    vote = url("motions", motion["id"], "vote")
    refused(api.as_user(neighbour()).post(vote, {"choice": "for"}), 403, "not_checked_in")
    ok(api.as_user(attendees[0]).post(vote, {"choice": "for"}))
    refused(api.as_user(attendees[0]).post(vote, {"choice": "against"}), 409, "already_voted")
    refused(api.as_user(attendees[1]).post(vote, {"choice": "maybe"}), 400)
    ok(api.as_user(attendees[1]).post(vote, {"choice": "abstain"}))
    refused(api.as_user(attendees[2]).post(url("motions", motion["id"], "close")), 403, "not_staff")
    closed = ok(staff.post(url("motions", motion["id"], "close")))
    # 1 for of 2 cast is not more than half.
    assert (closed["for"], closed["against"], closed["abstain"], closed["passed"], closed["attendees"]) == (
        1,
        0,
        1,
        False,
        3,
    )
    refused(api.as_user(attendees[2]).post(vote, {"choice": "for"}), 409, "motion_closed")
    refused(staff.post(url("motions", motion["id"], "close")), 409, "motion_closed")


def test_a_motion_without_quorum_does_not_pass(api, tree, meeting):
    staff = api.as_user(tree.staff1)
    ok(api.as_user(tree.resident1).post(url("meetings", meeting["id"], "check-in"), {"code": meeting["check_in_code"]}))
    motion = ok(staff.post(url("meetings", meeting["id"], "motions"), {"text": "同意"}), 201)
    ok(api.as_user(tree.resident1).post(url("motions", motion["id"], "vote"), {"choice": "for"}))
    closed = ok(staff.post(url("motions", motion["id"], "close")))
    assert closed["for"] == 1 and closed["passed"] is False  # 1 signed in, quorum 2


def test_minutes_by_staff_approved_by_attendees(api, tree, attendees, meeting, neighbour):
    path = url("meetings", meeting["id"], "minutes")
    refused(api.as_user(attendees[0]).post(url("meetings", meeting["id"], "minutes/approve")), 409, "no_minutes")
    refused(api.as_user(attendees[0]).post(path, {"minutes": "x"}), 403, "not_staff")
    refused(api.as_user(tree.staff1).post(path, {"minutes": ""}), 400)
    ok(api.as_user(tree.staff1).post(path, {"minutes": "纪要", "resolution": "决议", "attendees": 3}))
    refused(api.as_user(neighbour()).post(url("meetings", meeting["id"], "minutes/approve")), 403, "not_checked_in")
    body = ok(api.as_user(attendees[0]).post(url("meetings", meeting["id"], "minutes/approve")))
    assert body["minutes"]["approved"] is False  # 1 of 3
    body = ok(api.as_user(attendees[1]).post(url("meetings", meeting["id"], "minutes/approve")))
    assert body["minutes"]["approved"] is True and body["minutes"]["attendees"] == 3


def test_only_staff_see_the_code(api, tree, meeting):
    assert ok(api.as_user(tree.resident1).get(url("meetings", meeting["id"])))["check_in_code"] is None
    assert (
        ok(api.as_user(tree.worker1).get(url("meetings", meeting["id"])))["check_in_code"] == meeting["check_in_code"]
    )


def test_a_meeting_at_a_station_reserves_its_time(api, tree, in_review):
    from resources import services as resources_services
    from resources.models import Reservation

    station = resources_services.do_create_station(actor=tree.staff1, grid=tree.grid1, name="一号五港驿站")
    body = {"scheduled_at": when(), "place": "", "agenda": ["议程一"], "station": station.pk, "duration_minutes": 90}
    meeting = ok(api.as_user(tree.staff1).post(url("consultations", in_review["id"], "meetings"), body), 201)
    assert meeting["station"] == station.pk and meeting["place"] == "一号五港驿站"
    reservation = Reservation.objects.get(station=station)
    assert (reservation.ends_at - reservation.starts_at) == timedelta(minutes=90)
    taken = api.as_user(tree.staff1).post(url("consultations", in_review["id"], "meetings"), body)
    refused(taken, 409, "reservation_overlap")
    other = resources_services.do_create_station(actor=tree.staff2, grid=tree.grid2, name="二号驿站")
    refused(
        api.as_user(tree.staff1).post(url("consultations", in_review["id"], "meetings"), {**body, "station": other.pk}),
        404,
    )

"""The whole life through HTTP, from collecting to closed, and each side exit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from appeals.models import Appeal
from consultations.models import Consultation, Support
from consultations.tasks import enforce_deadlines
from monthly import services as monthly_services
from monthly.models import Nomination, Round
from notifications.models import Notification

from .conftest import THRESHOLD, ok, refused, url

pytestmark = pytest.mark.django_db


def actions(topic_id: int) -> list[str]:
    return list(Consultation.objects.get(pk=topic_id).timeline.values_list("action", flat=True))


def test_the_whole_life_from_collecting_to_closed(api, tree, topic, neighbour):
    cid = topic["id"]
    author = api.as_user(tree.resident1)
    staff = api.as_user(tree.staff1)
    assert topic["status"] == "collecting" and topic["following"] is True
    assert topic["support_threshold"] == THRESHOLD and topic["support_count"] == 0

    supporters = [neighbour() for _ in range(THRESHOLD)]
    for i, person in enumerate(supporters):
        body = ok(api.as_user(person).post(url("consultations", cid, "support")))
        assert body["supported_by_me"] and body["following"] and body["support_count"] == i + 1
    assert body["status"] == "review"

    when = timezone.now() + timedelta(days=2)
    meeting = ok(
        staff.post(
            url("consultations", cid, "meetings"),
            {"scheduled_at": when.isoformat(), "place": "1号楼架空层", "agenda": ["停车划线", "费用分摊"], "quorum": 3},
        ),
        201,
    )
    assert len(meeting["check_in_code"]) == 6 and meeting["quorum"] == 3
    assert ok(author.get(url("consultations", cid)))["status"] == "scheduled"
    assert ok(author.get(url("meetings", meeting["id"])))["check_in_code"] is None

    ok(api.as_user(supporters[0]).post(url("meetings", meeting["id"], "register")))
    for person in [tree.resident1, *supporters]:
        ok(api.as_user(person).post(url("meetings", meeting["id"], "check-in"), {"code": meeting["check_in_code"]}))
    seen = ok(author.get(url("meetings", meeting["id"])))
    assert seen["registered"] == 1 and seen["checked_in"] == 4 and seen["checked_in_by_me"]
    assert ok(author.get(url("consultations", cid)))["status"] == "deliberating"

    motion = ok(staff.post(url("meetings", meeting["id"], "motions"), {"text": "同意在消防通道两侧划禁停线"}), 201)
    for person, choice in zip([tree.resident1, *supporters], ["for", "for", "for", "against"], strict=True):
        ok(api.as_user(person).post(url("motions", motion["id"], "vote"), {"choice": choice}))
    closed = ok(staff.post(url("motions", motion["id"], "close")))
    assert (closed["for"], closed["against"], closed["abstain"], closed["passed"]) == (3, 1, 0, True)

    minutes = {
        "minutes": "到会4人，表决通过。",
        "resolution": "划禁停线",
        "attendees": 4,
        "votes_for": 3,
        "votes_against": 1,
        "abstentions": 0,
    }
    ok(staff.post(url("meetings", meeting["id"], "minutes"), minutes))
    for person in [tree.resident1, supporters[0], supporters[1]]:
        approved = ok(api.as_user(person).post(url("meetings", meeting["id"], "minutes/approve")))
    assert approved["minutes"]["approved"] is True

    body = ok(staff.post(url("consultations", cid, "close"), {"resolution": "在消防通道两侧划禁停线，物业负责施工。"}))
    assert body["status"] == "publicized" and body["resolution"]["text"].startswith("在消防通道")
    objection = ok(
        api.as_user(supporters[2]).post(url("consultations", cid, "objections"), {"body": "希望同时增设临时停车位"}),
        201,
    )
    ok(staff.post(url("objections", objection["id"], "answer"), {"body": "已纳入二期方案。"}))
    Consultation.objects.filter(pk=cid).update(objection_ends=timezone.now() - timedelta(seconds=1))

    body = ok(staff.post(url("consultations", cid, "progress"), {"content": "已完成划线设计", "percent": 40}), 201)
    assert body["status"] == "implementing" and body["resolution"]["progress_percent"] == 40
    body = ok(staff.post(url("consultations", cid, "progress"), {"content": "施工完成", "percent": 100}), 201)
    assert body["status"] == "evaluating" and body["evaluation_round"] == 1

    ok(author.post(url("consultations", cid, "evaluate"), {"score": 5, "satisfied": True}))
    body = ok(api.as_user(supporters[0]).post(url("consultations", cid, "evaluate"), {"score": 4, "satisfied": True}))
    # Half of the four participants satisfied: a majority unsatisfied can no longer happen.
    assert body["status"] == "closed" and body["closed_at"]

    assert actions(cid) == [
        "create", "reach_threshold", "schedule", "deliberate", "minutes", "publicize", "objection", "answer",
        "implement", "progress", "start_evaluation", "close",
    ]  # fmt: skip
    timeline = body["timeline"]
    assert timeline[1]["actor"] is None and timeline[2]["actor"]["id"] == tree.staff1.pk
    # Followers heard of the changes they did not make.
    assert Notification.objects.filter(user=supporters[0], message__event="consultation_status_changed").exists()


def test_reject_needs_a_reason_and_tells_followers(api, tree, in_review):
    staff = api.as_user(tree.staff1)
    refused(staff.post(url("consultations", in_review["id"], "review"), {"decision": "reject"}), 400, "reason_required")
    body = ok(
        staff.post(
            url("consultations", in_review["id"], "review"), {"decision": "reject", "reason": "属物业职责，已转物业"}
        )
    )
    assert body["status"] == "rejected" and body["decision_reason"] == "属物业职责，已转物业"
    assert Notification.objects.filter(user=tree.resident1, message__event="consultation_status_changed").exists()
    refused(
        staff.post(url("consultations", in_review["id"], "review"), {"decision": "schedule"}), 409, "illegal_transition"
    )


def test_staff_decide_on_a_topic_still_collecting_by_taking_it_up(api, tree, topic):
    body = ok(api.as_user(tree.worker1).post(url("consultations", topic["id"], "review"), {"decision": "schedule"}))
    assert body["status"] == "scheduled"
    assert actions(topic["id"]) == ["create", "take_up", "schedule"]


def test_merge_carries_supporters_over_without_counting_a_household_twice(api, tree, raise_topic, neighbour):
    source = raise_topic(title="电动车乱停")
    target = raise_topic(user=tree.worker1, title="小区停车秩序")
    both, only_source = neighbour(address="3单元101"), neighbour()
    same_home = neighbour(address="3 单元 101")  # the same household as `both`, spelled loosely
    for person in (both, only_source):
        ok(api.as_user(person).post(url("consultations", source["id"], "support")))
    ok(api.as_user(same_home).post(url("consultations", target["id"], "support")))
    ok(api.as_user(tree.resident1).post(url("consultations", target["id"], "support")))

    body = ok(
        api.as_user(tree.staff1).post(
            url("consultations", source["id"], "review"), {"decision": "merge", "into": target["id"]}
        )
    )
    assert body["status"] == "merged" and body["merged_into"] == target["id"]
    after = ok(api.as_user(tree.staff1).get(url("consultations", target["id"])))
    # resident1 (the source's author) supported the target already; `both` shares a household there.
    assert after["support_count"] == 3 and Support.objects.filter(consultation_id=target["id"]).count() == 3
    assert after["status"] == "review"  # the carried supports reached the threshold
    assert Support.objects.filter(consultation_id=target["id"], user=only_source, merged_from_id=source["id"]).exists()
    assert Notification.objects.filter(user=only_source, message__event="consultation_merged").exists()


def test_merge_refusals(api, tree, raise_topic):
    source, target = raise_topic(), raise_topic()
    staff = api.as_user(tree.staff1)
    refused(staff.post(url("consultations", source["id"], "review"), {"decision": "merge"}), 400)
    refused(
        staff.post(url("consultations", source["id"], "review"), {"decision": "merge", "into": source["id"]}),
        400,
        "merge_into_self",
    )
    refused(staff.post(url("consultations", source["id"], "review"), {"decision": "merge", "into": 999999}), 404)
    Consultation.objects.filter(pk=target["id"]).update(status="closed")
    refused(
        staff.post(url("consultations", source["id"], "review"), {"decision": "merge", "into": target["id"]}),
        409,
        "merge_target_closed",
    )


def test_convert_to_an_appeal_links_both_ways(api, tree, in_review):
    body = ok(
        api.as_user(tree.staff1).post(
            url("consultations", in_review["id"], "review"),
            {"decision": "convert", "to": "appeal", "category": "property"},
        )
    )
    assert body["status"] == "converted" and body["appeal"]
    appeal = Appeal.objects.get(pk=body["appeal"])
    assert appeal.category == "property" and appeal.consultations.get().pk == in_review["id"]
    assert f"#{in_review['id']}" in appeal.description


def open_round(scope: Any, staff: Any, month: str = "2031-01") -> Round:
    """A 每月一事 round of `scope` taking nominations until tomorrow."""
    now = timezone.now()
    return monthly_services.round_create(
        actor=staff,
        scope=scope,
        month=month,
        title="每月一事",
        nomination_ends=now + timedelta(days=1),
        voting_starts=now + timedelta(days=2),
        voting_ends=now + timedelta(days=4),
    )


def test_convert_to_monthly_needs_an_open_round_covering_it(api, tree, in_review):
    staff = api.as_user(tree.staff1)
    convert = {"decision": "convert", "to": "monthly"}
    refused(staff.post(url("consultations", in_review["id"], "review"), convert), 409, "no_open_round")
    open_round(tree.street2, tree.staff2)  # does not cover micro1
    refused(staff.post(url("consultations", in_review["id"], "review"), convert), 409, "no_open_round")
    round_ = open_round(tree.street1, tree.staff1)
    body = ok(staff.post(url("consultations", in_review["id"], "review"), convert))
    nomination = Nomination.objects.get(pk=body["nomination"])
    assert body["status"] == "converted" and nomination.round == round_ and nomination.author == tree.resident1


def test_convert_needs_a_target(api, tree, in_review):
    refused(
        api.as_user(tree.staff1).post(url("consultations", in_review["id"], "review"), {"decision": "convert"}), 400
    )


def test_no_consensus_escalates_to_the_parent_unit_or_ends(api, tree, attendees, meeting):
    staff = api.as_user(tree.staff1)
    cid = meeting["consultation"]
    body = ok(staff.post(url("consultations", cid, "no-consensus"), {"reason": "分歧较大"}))
    assert body["status"] == "no_consensus"
    body = ok(staff.post(url("consultations", cid, "escalate"), {"reason": "涉及多个网格"}))
    assert body["status"] == "review" and body["grid"] == tree.grid1.pk and body["level"] == "grid"
    assert body["origin_grid"] == tree.micro1.pk and body["escalations"] == 1
    # The new level's threshold and staff apply; the old meeting is over.
    refused(api.as_user(attendees[1]).post(url("meetings", meeting["id"], "register")), 409, "meeting_over")


def test_escalation_stops_at_the_street(api, tree, raise_topic):
    topic = raise_topic(user=tree.staff1, grid=tree.street1)
    Consultation.objects.filter(pk=topic["id"]).update(status="no_consensus")
    refused(api.as_user(tree.staff1).post(url("consultations", topic["id"], "escalate")), 409, "cannot_escalate")
    body = ok(api.as_user(tree.staff1).post(url("consultations", topic["id"], "end"), {"reason": "暂不具备条件"}))
    assert body["status"] == "closed"


def test_majority_unsatisfied_reopens_to_review(api, tree, topic, neighbour):
    cid = topic["id"]
    people = [neighbour(), neighbour()]
    for person in people:
        ok(api.as_user(person).post(url("consultations", cid, "support")))
    Consultation.objects.filter(pk=cid).update(status="evaluating", evaluation_round=1, publicized_at=timezone.now())
    ok(api.as_user(people[0]).post(url("consultations", cid, "evaluate"), {"score": 1, "satisfied": False}))
    body = ok(api.as_user(people[1]).post(url("consultations", cid, "evaluate"), {"score": 2, "satisfied": False}))
    assert body["status"] == "review"  # 2 of 3 participants unsatisfied
    assert actions(cid)[-1] == "reopen"


def test_the_task_starts_implementing_after_a_clean_window_and_decides_evaluations(api, tree, topic, neighbour):
    cid = topic["id"]
    Consultation.objects.filter(pk=cid).update(status="publicized", objection_ends=timezone.now() - timedelta(hours=1))
    result = enforce_deadlines()
    assert result["implementing"] == 1 and Consultation.objects.get(pk=cid).status == "implementing"
    Consultation.objects.filter(pk=cid).update(status="evaluating", evaluation_round=1, evaluation_ends=timezone.now())
    assert enforce_deadlines()["evaluated"] == 1
    assert Consultation.objects.get(pk=cid).status == "closed"  # nobody unsatisfied

"""智慧矛盾系统 with the fake: every move of a case goes out pseudonymised and in order, the
outbox survives the system being down for an hour, and a dispatched case comes in once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from linkage import systems
from linkage.models import ConflictLink, OutboundCall
from mediation.models import Case
from tests.fakes.linked import sign

from .conftest import CONFLICT_SECRET


def test_every_move_goes_out_in_order_with_no_name_or_phone(tree, make_case, conflict_system):
    case = make_case("closed")
    systems.sweep()
    link = ConflictLink.objects.get(case=case)
    events = conflict_system.received(link.external_id)
    assert [e["to_status"] for e in events] == ["applied", "accepted", "mediating", "agreed", "closed"]
    text = json.dumps(conflict_system.received(), ensure_ascii=False)
    for personal in ("王女士", "邻居", "13812345678", "楼上漏水", tree.resident1.username):
        assert personal not in text
    ids = {p["id"] for e in events for p in e["parties"]}
    assert len(ids) == 2 and all(i.startswith("p_") for i in ids)  # stable across events


def test_the_outbox_survives_an_hour_down_and_keeps_the_order(tree, make_case, conflict_system):
    """Down for an hour: each sweep tries only the head (backing off 30 s, 60 s, ... up to an
    hour), nothing is lost, and when the system is back everything lands in order."""
    conflict_system.behaviour["down"] = True
    case = make_case("mediating")
    key = f"conflict:{ConflictLink.objects.get(case=case).external_id}"
    start = timezone.now()
    attempts_at = []
    for minute in range(0, 61):
        now = start + timedelta(minutes=minute, seconds=1)
        before = OutboundCall.objects.filter(key=key, sent_at__isnull=True).order_by("pk").first().attempts
        systems.sweep(now=now)
        if OutboundCall.objects.filter(key=key).order_by("pk").first().attempts > before:
            attempts_at.append(minute)
    assert attempts_at == [0, 1, 2, 4, 8, 16, 32]  # 30 s doubling, checked once a minute
    assert OutboundCall.objects.filter(key=key, sent_at__isnull=True).count() == 3
    assert conflict_system.received() == []
    conflict_system.behaviour["down"] = False
    assert systems.sweep(now=start + timedelta(minutes=61)) == 0  # the head waits out its backoff
    assert systems.sweep(now=start + timedelta(minutes=100)) == 3
    assert [e["to_status"] for e in conflict_system.received()] == ["applied", "accepted", "mediating"]


def dispatch(body: dict[str, Any], secret: str = CONFLICT_SECRET) -> Any:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return Client().post(
        "/api/v1/integrations/conflict/cases", raw, content_type="application/json", HTTP_X_SIGNATURE=sign(secret, raw)
    )


def test_a_dispatched_case_is_taken_once_and_its_events_flow_back(tree, teams, conflict_system):
    body = {
        "external_id": "ZZ-2026-0001",
        "category": "neighbour",
        "description": "两户因楼道堆物发生纠纷",
        "grid_code": tree.grid1.code,
        "parties": [{"name": "甲", "role": "applicant"}, {"name": "乙", "role": "respondent"}],
    }
    assert dispatch(body, secret="wrong").status_code == 401
    first = dispatch(body)
    assert first.status_code == 201, first.json()
    assert first.json()["source"] == "conflict_system"
    again = dispatch(body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Case.objects.filter(source="conflict_system").count() == 1
    case = Case.objects.get(pk=first.json()["id"])
    assert case.grid == tree.grid1
    assert dispatch({**body, "external_id": "ZZ-2", "grid_code": "nowhere"}).json()["error"]["code"] == "unknown_grid"
    systems.sweep()
    assert [e["case_id"] for e in conflict_system.received()] == ["ZZ-2026-0001"]

"""中原义警队 through HTTP: registration and approval, geofenced shifts and their hours, tips
that become appeals or mediation cases, refusals and scope."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from appeals.models import Appeal
from mediation.models import Case
from notifications.models import Notification
from resources import services
from resources.models import Shift
from tests.residents.factories import UserFactory

from .conftest import FAR, HERE, NEAR

BASE = "/api/v1"


def test_register_then_staff_approve(api, tree):
    elder = UserFactory(username="elder", name="老李")
    answer = api.as_user(elder).post(f"{BASE}/volunteers", {"kind": "elder", "grid": tree.grid1.pk})
    assert answer.status_code == 201 and answer.json()["status"] == "pending"
    assert Notification.objects.filter(user=tree.staff1, message__event="volunteer_registered").exists()
    again = api.as_user(elder).post(f"{BASE}/volunteers", {"kind": "elder", "grid": tree.grid1.pk})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_registered"
    volunteer_id = answer.json()["id"]
    assert [v["id"] for v in api.as_user(tree.staff1).get(f"{BASE}/volunteers?status=pending").json()["results"]] == [
        volunteer_id
    ]
    assert api.as_user(tree.staff2).post(f"{BASE}/volunteers/{volunteer_id}/approve", {}).status_code == 404
    assert api.as_user(elder).post(f"{BASE}/volunteers/{volunteer_id}/approve", {}).status_code == 403
    approved = api.as_user(tree.staff1).post(f"{BASE}/volunteers/{volunteer_id}/approve", {})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert Notification.objects.filter(user=elder, message__event="volunteer_approved").exists()
    assert api.as_user(tree.staff1).post(f"{BASE}/volunteers/{volunteer_id}/approve", {}).status_code == 409
    assert api.as_user(elder).post(f"{BASE}/volunteers", {"kind": "spy", "grid": tree.grid1.pk}).status_code == 400


def _shift(api, volunteer, start, hours=2, location=NEAR):
    body = {
        "grid": volunteer.grid.pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=hours)).isoformat(),
    }
    if location is not None:
        body["location"] = location
    return api.as_user(volunteer.user).post(f"{BASE}/volunteers/shifts", body)


def test_a_shift_clocked_in_and_out_inside_the_geofence_counts_its_hours(api, tree, volunteer):
    start = timezone.now() - timedelta(minutes=5)
    answer = _shift(api, volunteer, start)
    assert answer.status_code == 201, answer.json()
    shift = Shift.objects.get(pk=answer.json()["id"])
    far = api.as_user(volunteer.user).post(f"{BASE}/shifts/{shift.pk}/clock-in", {"location": FAR})
    assert far.status_code == 400 and far.json()["error"]["code"] == "too_far"
    assert api.as_user(tree.resident1).post(f"{BASE}/shifts/{shift.pk}/clock-in", {"location": NEAR}).status_code == 404
    assert (
        api.as_user(volunteer.user).post(f"{BASE}/shifts/{shift.pk}/clock-out", {"location": NEAR}).status_code == 409
    )
    clocked = api.as_user(volunteer.user).post(f"{BASE}/shifts/{shift.pk}/clock-in", {"location": NEAR})
    assert clocked.status_code == 200 and clocked.json()["status"] == "on_duty"
    # Ninety minutes later, done: the service turns clock times into minutes.
    later = timezone.now() + timedelta(minutes=90)
    services.do_clock_out_shift(shift=shift, actor=volunteer.user, location=HERE, now=later)
    shift.refresh_from_db()
    assert shift.status == "done" and 89 <= shift.minutes <= 91
    hours = api.as_user(volunteer.user).get(f"{BASE}/volunteers/{volunteer.pk}/hours?year={later.year}").json()
    assert hours["shifts"] == 1 and 1.45 <= hours["hours"] <= 1.55
    assert sum(m["shifts"] for m in hours["by_month"]) == 1
    assert api.as_user(tree.staff2).get(f"{BASE}/volunteers/{volunteer.pk}/hours").status_code == 404
    assert api.as_user(tree.staff1).get(f"{BASE}/volunteers/{volunteer.pk}/hours?year=1").status_code == 400


def test_clock_in_outside_the_shift_time_and_shift_refusals(api, tree, volunteer):
    tomorrow = timezone.now() + timedelta(days=1)
    shift_id = _shift(api, volunteer, tomorrow).json()["id"]
    early = api.as_user(volunteer.user).post(f"{BASE}/shifts/{shift_id}/clock-in", {"location": NEAR})
    assert early.status_code == 400 and early.json()["error"]["code"] == "outside_shift"
    no_place = _shift(api, volunteer, tomorrow, location=None)
    assert no_place.status_code == 400 and no_place.json()["error"]["code"] == "location_required"
    too_long = _shift(api, volunteer, tomorrow, hours=30)
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "bad_period"
    outsider = api.as_user(tree.resident2).post(
        f"{BASE}/volunteers/shifts",
        {
            "grid": tree.grid1.pk,
            "starts_at": tomorrow.isoformat(),
            "ends_at": (tomorrow + timedelta(hours=1)).isoformat(),
        },
    )
    assert outsider.status_code == 403 and outsider.json()["error"]["code"] == "not_volunteer"


def test_a_shift_takes_the_units_station_as_its_place(api, tree, volunteer, station):
    answer = _shift(api, volunteer, timezone.now(), location=None)
    assert answer.status_code == 201 and answer.json()["location"] == {"lat": 34.75, "lng": 113.6}


def test_a_tip_becomes_an_appeal(api, tree, volunteer):
    answer = api.as_user(volunteer.user).post(
        f"{BASE}/tips", {"grid": tree.grid1.pk, "description": "小区门口井盖缺失", "location": NEAR}
    )
    assert answer.status_code == 201, answer.json()
    tip_id = answer.json()["id"]
    assert Notification.objects.filter(user=tree.staff1, message__event="tip_received").exists()
    url = f"{BASE}/tips/{tip_id}/convert"
    assert api.as_user(volunteer.user).post(url, {"to": "appeal", "category": "safety"}).status_code == 403
    assert api.as_user(tree.staff2).post(url, {"to": "appeal", "category": "safety"}).status_code == 404
    assert api.as_user(tree.worker1).post(url, {"to": "appeal", "category": "labour"}).status_code == 400
    converted = api.as_user(tree.worker1).post(url, {"to": "appeal", "category": "safety"})
    assert converted.status_code == 200, converted.json()
    appeal = Appeal.objects.get(pk=converted.json()["appeal"])
    assert appeal.description == "小区门口井盖缺失" and appeal.latitude is not None
    again = api.as_user(tree.worker1).post(url, {"to": "appeal", "category": "safety"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_converted"


def test_a_tip_becomes_a_mediation_case(api, tree, volunteer):
    tip_id = (
        api.as_user(volunteer.user)
        .post(f"{BASE}/tips", {"grid": tree.grid1.pk, "description": "邻里因停车争吵"})
        .json()["id"]
    )
    url = f"{BASE}/tips/{tip_id}/convert"
    missing = api.as_user(tree.staff1).post(url, {"to": "mediation", "category": "neighbour"})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "parties_required"
    parties = [{"name": "张三", "role": "applicant"}, {"name": "李四", "role": "respondent"}]
    converted = api.as_user(tree.staff1).post(url, {"to": "mediation", "category": "neighbour", "parties": parties})
    assert converted.status_code == 200, converted.json()
    assert Case.objects.get(pk=converted.json()["case"]).description == "邻里因停车争吵"


def test_tips_need_an_approved_volunteer_of_the_unit(api, tree, volunteer):
    assert (
        api.as_user(tree.resident1).post(f"{BASE}/tips", {"grid": tree.grid1.pk, "description": "x"}).status_code == 403
    )
    assert (
        api.as_user(volunteer.user).post(f"{BASE}/tips", {"grid": tree.grid2.pk, "description": "x"}).status_code == 403
    )
    assert api.as_user(volunteer.user).post(f"{BASE}/tips", {"grid": tree.grid1.pk}).status_code == 400

"""三社联盟 providers and bookings through HTTP: search by the resident's home, the masked
contact, verification and roles, the monthly free quota at its edge, refusals and scope."""

from __future__ import annotations

from typing import Any

from grids.models import Assignment, Role
from notifications.models import Notification
from resources.models import Booking, Provider
from tests.residents.factories import UserFactory

BASE = "/api/v1"


def test_resident_finds_providers_serving_their_home_with_contact_masked(api, tree, provider):
    body = api.as_user(tree.resident1).get(f"{BASE}/providers?skill=开锁").json()
    assert [p["id"] for p in body["results"]] == [provider.pk]
    row = body["results"][0]
    assert row["contact"] is None and row["contact_masked"] == "138****5678"
    assert api.as_user(tree.resident1).get(f"{BASE}/providers?q=修锁").json()["results"][0]["id"] == provider.pk
    assert api.as_user(tree.resident1).get(f"{BASE}/providers?skill=搬家").json()["results"] == []


def test_provider_outside_the_residents_area_is_404(api, tree, provider):
    assert api.as_user(tree.resident2).get(f"{BASE}/providers").json()["results"] == []
    assert api.as_user(tree.resident2).get(f"{BASE}/providers/{provider.pk}").status_code == 404
    answer = api.as_user(tree.resident2).post(f"{BASE}/providers/{provider.pk}/bookings", {"need": "开锁"})
    assert answer.status_code == 404
    assert api.as_user(tree.staff2).get(f"{BASE}/providers/{provider.pk}").status_code == 404


def test_staff_register_and_outside_their_reach_is_refused(api, tree):
    body = {"kind": "merchant", "name": "便民超市", "grids": [tree.grid1.pk], "contact": "13900001111"}
    answer = api.as_user(tree.staff1).post(f"{BASE}/providers", body)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["status"] == "verified" and answer.json()["contact"] == "13900001111"
    assert api.as_user(tree.staff2).post(f"{BASE}/providers", body).status_code == 403
    assert api.as_user(tree.staff1).post(f"{BASE}/providers", {**body, "grids": []}).status_code == 400


def test_a_craftsman_applies_staff_verify_and_the_role_follows(api, tree):
    craftsman = UserFactory(username="craft", name="王师傅")
    body = {"kind": "craftsman", "name": "王师傅家电维修", "grids": [tree.grid1.pk], "apply": True}
    answer = api.as_user(craftsman).post(f"{BASE}/providers", body)
    assert answer.status_code == 201 and answer.json()["status"] == "pending"
    provider_id = answer.json()["id"]
    assert Notification.objects.filter(user=tree.staff1, message__event="provider_applied").exists()
    assert api.as_user(craftsman).post(f"{BASE}/providers", body).json()["error"]["code"] == "already_applied"
    # Residents do not see a pending provider; staff of another street cannot verify it.
    assert api.as_user(tree.resident1).get(f"{BASE}/providers/{provider_id}").status_code == 404
    assert api.as_user(tree.staff2).post(f"{BASE}/providers/{provider_id}/verify", {}).status_code == 404
    assert api.as_user(craftsman).post(f"{BASE}/providers/{provider_id}/verify", {}).status_code == 403
    answer = api.as_user(tree.staff1).post(f"{BASE}/providers/{provider_id}/verify", {"note": "资质齐全"})
    assert answer.status_code == 200 and answer.json()["status"] == "verified"
    assert Assignment.objects.filter(user=craftsman, role=Role.CRAFTSMAN, unit=tree.grid1).exists()
    assert Notification.objects.filter(user=craftsman, message__event="provider_verified").exists()
    again = api.as_user(tree.staff1).post(f"{BASE}/providers/{provider_id}/reject", {})
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"
    assert list(Provider.objects.get(pk=provider_id).events.values_list("action", flat=True)) == ["apply", "verify"]


def _book(api: Any, user: Any, provider: Any) -> int:
    answer = api.as_user(user).post(f"{BASE}/providers/{provider.pk}/bookings", {"need": "门锁坏了"})
    assert answer.status_code == 201, answer.json()
    return answer.json()["id"]


def test_booking_life_and_the_contact_shows_once_accepted(api, tree, provider):
    booking_id = _book(api, tree.resident1, provider)
    accepted = api.as_user(tree.staff1).post(f"{BASE}/bookings/{booking_id}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted" and accepted.json()["free"] is True
    assert Notification.objects.filter(user=tree.resident1, message__event="booking_accepted").exists()
    detail = api.as_user(tree.resident1).get(f"{BASE}/providers/{provider.pk}").json()
    assert detail["contact"] == "13812345678"
    assert (
        api.as_user(tree.resident1).post(f"{BASE}/bookings/{booking_id}/rate", {"score": 5}).json()["error"]["code"]
        == "not_done"
    )
    assert api.as_user(tree.staff1).post(f"{BASE}/bookings/{booking_id}/done").json()["status"] == "done"
    assert api.as_user(tree.staff1).post(f"{BASE}/bookings/{booking_id}/rate", {"score": 5}).status_code == 403
    assert api.as_user(tree.resident1).post(f"{BASE}/bookings/{booking_id}/rate", {"score": 9}).status_code == 400
    rated = api.as_user(tree.resident1).post(f"{BASE}/bookings/{booking_id}/rate", {"score": 4})
    assert rated.status_code == 200 and rated.json()["score"] == 4
    again = api.as_user(tree.resident1).post(f"{BASE}/bookings/{booking_id}/rate", {"score": 4})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_rated"
    assert api.as_user(tree.resident1).get(f"{BASE}/providers/{provider.pk}").json()["rating"] == 4.0


def test_the_free_quota_at_its_edge(api, tree, provider):
    """Quota 2: the first two accepted bookings of the month are free, the third is not;
    a declined booking uses none of it."""
    residents = [tree.resident1] + [UserFactory(username=f"r{i}") for i in range(3)]
    from tests.residents.factories import ResidenceFactory

    for user in residents[1:]:
        ResidenceFactory(user=user, grid=tree.micro1)
    ids = [_book(api, user, provider) for user in residents]
    assert (
        api.as_user(tree.staff1).post(f"{BASE}/bookings/{ids[0]}/decline", {"reason": "没空"}).json()["status"]
        == "declined"
    )
    frees = [api.as_user(tree.staff1).post(f"{BASE}/bookings/{i}/accept").json()["free"] for i in ids[1:]]
    assert frees == [True, True, False]
    assert Booking.objects.filter(provider=provider, free=True).count() == 2


def test_only_the_provider_side_answers_and_unverified_residents_cannot_book(api, tree, provider):
    booking_id = _book(api, tree.resident1, provider)
    assert (
        api.as_user(tree.resident1).post(f"{BASE}/bookings/{booking_id}/accept").json()["error"]["code"]
        == "not_provider"
    )
    assert api.as_user(tree.resident2).post(f"{BASE}/bookings/{booking_id}/accept").status_code == 404
    assert api.as_user(tree.newcomer).get(f"{BASE}/providers/{provider.pk}").status_code == 404
    assert api.post(f"{BASE}/providers/{provider.pk}/bookings", {"need": "x"}).status_code == 401

"""附议: one per verified household, idempotent, withdrawn while collecting; the threshold moves
the topic to review by itself exactly once, also under concurrent supports (real PostgreSQL
transactions, one connection per thread)."""

from __future__ import annotations

from collections import Counter

import pytest

from consultations.models import Consultation, Follow, Support
from notifications.models import Notification
from tests.conftest import Api
from tests.monthly.test_concurrency import run_together
from tests.residents.factories import ResidenceFactory, UserFactory

from .conftest import THRESHOLD, ok, refused, url


@pytest.mark.django_db
class TestSupport:
    def test_support_is_idempotent_and_follows(self, api, topic, neighbour):
        person = api.as_user(neighbour())
        ok(person.post(url("consultations", topic["id"], "support")))
        body = ok(person.post(url("consultations", topic["id"], "support")))
        assert body["support_count"] == 1 and body["supported_by_me"] and body["following"]
        assert Support.objects.filter(consultation_id=topic["id"]).count() == 1

    def test_one_per_household(self, api, topic, neighbour):
        ok(api.as_user(neighbour(address="5单元302室")).post(url("consultations", topic["id"], "support")))
        same = neighbour(address="５单元 302室")  # full-width digit, a space: the same household
        refused(api.as_user(same).post(url("consultations", topic["id"], "support")), 409, "household_supported")
        next_door = neighbour(address="5单元303室")
        ok(api.as_user(next_door).post(url("consultations", topic["id"], "support")))
        assert Consultation.objects.get(pk=topic["id"]).support_count == 2

    def test_unverified_and_outsiders_may_not_support(self, api, tree, topic, neighbour):
        refused(api.as_user(tree.newcomer).post(url("consultations", topic["id"], "support")), 404)
        # A pending resident of the unit is not verified yet (and does not see it: 404 before 403).
        pending = UserFactory()
        ResidenceFactory(user=pending, grid=tree.micro1, status="pending")
        refused(api.as_user(pending).post(url("consultations", topic["id"], "support")), 404)
        # Staff see it but do not live there.
        refused(api.as_user(tree.staff1).post(url("consultations", topic["id"], "support")), 403, "not_verified")
        # A resident of a sibling micro-grid does not see a micro-grid's topic.
        refused(api.as_user(neighbour(grid=tree.micro21)).post(url("consultations", topic["id"], "support")), 404)

    def test_grid_topic_is_supported_from_every_micro_grid_below(self, api, tree, raise_topic, neighbour):
        topic = raise_topic(grid=tree.grid1)
        ok(api.as_user(neighbour(grid=tree.micro21)).post(url("consultations", topic["id"], "support")))

    def test_unsupport_while_collecting_only(self, api, in_review, topic, neighbour):
        person = api.as_user(Support.objects.filter(consultation_id=topic["id"]).first().user)
        refused(person.delete(url("consultations", topic["id"], "support")), 409, "not_collecting")

    def test_unsupport_is_idempotent(self, api, topic, neighbour):
        person = api.as_user(neighbour())
        ok(person.post(url("consultations", topic["id"], "support")))
        assert ok(person.delete(url("consultations", topic["id"], "support")))["support_count"] == 0
        body = ok(person.delete(url("consultations", topic["id"], "support")))
        assert body["support_count"] == 0 and not body["supported_by_me"]

    def test_support_after_collecting_is_409(self, api, in_review, neighbour):
        refused(api.as_user(neighbour()).post(url("consultations", in_review["id"], "support")), 409, "not_collecting")

    def test_threshold_tells_the_unit_staff(self, api, tree, in_review):
        assert Notification.objects.filter(user=tree.worker1, message__event="consultation_to_review").exists()


@pytest.mark.django_db
class TestFollow:
    def test_follow_and_unfollow_are_idempotent(self, api, tree, topic):
        staff = api.as_user(tree.staff1)
        assert ok(staff.post(url("consultations", topic["id"], "follow")))["following"] is True
        assert ok(staff.post(url("consultations", topic["id"], "follow")))["following"] is True
        assert ok(staff.delete(url("consultations", topic["id"], "follow")))["following"] is False
        assert ok(staff.delete(url("consultations", topic["id"], "follow")))["following"] is False

    def test_authors_follow_by_themselves(self, tree, topic):
        assert Follow.objects.filter(consultation_id=topic["id"], user=tree.resident1).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_supports_crossing_the_threshold_move_to_review_once(tree, raise_topic):
    topic = raise_topic()
    people = []
    for _ in range(THRESHOLD + 5):
        user = UserFactory()
        ResidenceFactory(user=user, grid=tree.micro1)
        people.append(user)

    answers = run_together(
        [lambda u=u: Api().as_user(u).post(url("consultations", topic["id"], "support")) for u in people]
    )
    codes = Counter(a.status_code for a in answers)
    # The first THRESHOLD land; the rest meet a topic no longer collecting.
    assert codes == {200: THRESHOLD, 409: 5}, codes
    consultation = Consultation.objects.get(pk=topic["id"])
    assert consultation.status == "review" and consultation.support_count == THRESHOLD
    assert consultation.timeline.filter(action="reach_threshold").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_household_supporting_at_once_gives_one_support(tree, raise_topic):
    topic = raise_topic()
    family = []
    for _ in range(6):
        user = UserFactory()
        ResidenceFactory(user=user, grid=tree.micro1, address="7号楼2单元501")
        family.append(user)

    answers = run_together(
        [lambda u=u: Api().as_user(u).post(url("consultations", topic["id"], "support")) for u in family]
    )
    codes = Counter(a.status_code for a in answers)
    assert codes == {200: 1, 409: 5}, codes
    assert Support.objects.filter(consultation_id=topic["id"]).count() == 1
    assert Consultation.objects.get(pk=topic["id"]).support_count == 1

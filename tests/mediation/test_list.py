"""The case list: a mediator's own cases first, then by what is due next; cursor pages; filters;
and a number of queries that does not grow with the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mediation import services
from mediation.selectors import cases_visible_to

pytestmark = pytest.mark.django_db

CASES = "/api/v1/mediation/cases"


def _ids(response):
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["results"]]


def test_a_mediators_own_cases_come_first_then_what_is_due_next(api, tree, teams, make_case):
    now = timezone.now()
    # Accepted long ago (due soonest) but mediated by med2 only.
    theirs = make_case("applied", now=now - timedelta(days=20))
    services.case_accept(
        case=theirs, actor=tree.staff1, team=teams.community, mediators=[teams.med2], now=now - timedelta(days=20)
    )
    late = make_case("accepted", now=now - timedelta(days=1))  # due in 29 days
    soon = make_case("accepted", now=now - timedelta(days=10))  # due in 20 days
    session = make_case("mediating", now=now)  # a session in 2 days: due next
    closed = make_case("closed", now=now - timedelta(days=40))
    offered = make_case("applied", now=now)
    offered.team = teams.community
    offered.save(update_fields=["team"])

    listed = api.as_user(teams.med1).get(CASES).json()["results"]
    # Then the others: `offered` awaits acceptance since now, `theirs` is due in 10 days.
    assert [c["id"] for c in listed] == [session.pk, soon.pk, late.pk, offered.pk, theirs.pk, closed.pk]
    assert [c["mine"] for c in listed] == [True, True, True, False, False, True]  # finished cases last
    # med2 mediates all the open ones, `theirs` among them, in order of what is due.
    listed = api.as_user(teams.med2).get(CASES).json()["results"]
    assert [c["id"] for c in listed if c["mine"]] == [session.pk, theirs.pk, soon.pk, late.pk, closed.pk]


def test_cursor_pages_walk_every_case_once(api, tree, teams, make_case):
    now = timezone.now()
    made = {make_case("accepted", now=now - timedelta(hours=i)).pk for i in range(5)}
    made |= {make_case("closed", now=now - timedelta(days=i)).pk for i in range(2)}
    seen, url = [], f"{CASES}?page_size=2"
    client = api.as_user(teams.med1)
    while url:
        page = client.get(url).json()
        seen += [c["id"] for c in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(made) and len(seen) == len(made)


def test_filters(api, tree, teams, make_case):
    applied, mediating, closed = make_case("applied"), make_case("mediating"), make_case("closed")
    staff = api.as_user(tree.staff1)
    assert _ids(staff.get(f"{CASES}?status=applied")) == [applied.pk]
    assert set(_ids(staff.get(f"{CASES}?team={teams.community.pk}"))) == {mediating.pk, closed.pk}
    assert set(_ids(staff.get(f"{CASES}?grid={tree.grid1.pk}"))) == {applied.pk, mediating.pk, closed.pk}
    assert staff.get(f"{CASES}?grid={tree.grid2.pk}").status_code == 404  # not their area
    assert set(_ids(api.as_user(teams.med1).get(f"{CASES}?mine=true"))) == {mediating.pk, closed.pk}
    assert _ids(staff.get(f"{CASES}?overdue=true")) == []
    assert staff.get(f"{CASES}?status=bogus").status_code == 400
    assert staff.get(f"{CASES}?overdue=perhaps").status_code == 400


@pytest.mark.parametrize("who", ["med1", "staff1", "resident1", "admin"])
def test_list_queries_do_not_grow(api, tree, teams, make_case, django_assert_max_num_queries, who):
    user = getattr(teams, who, None) or getattr(tree, who)
    client = api.as_user(user)
    make_case("mediating")
    with django_assert_max_num_queries(8) as few:
        assert len(_ids(client.get(CASES))) == 1
    for state in ["applied", "accepted", "mediating", "agreed", "closed", "declined"] * 2:
        make_case(state)
    expected = cases_visible_to(user=user).count()
    assert expected >= 9
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_ids(client.get(CASES))) == expected


def test_detail_queries_do_not_grow_with_parties_and_sessions(
    api, tree, teams, make_case, django_assert_max_num_queries
):
    case = make_case("mediating")
    client = api.as_user(teams.med1)
    with django_assert_max_num_queries(20) as few:
        client.get(f"{CASES}/{case.pk}")
    for i in range(4):
        services.session_schedule(
            case=case, actor=teams.med1, scheduled_at=timezone.now() + timedelta(days=i), place=f"{i}"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(f"{CASES}/{case.pk}").json()["sessions"]) == 5

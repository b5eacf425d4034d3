"""Teams and their members: staff of the area create teams; the lead manages members."""

from __future__ import annotations

import pytest

from mediation.models import MediationTeam, TeamMember

pytestmark = pytest.mark.django_db

TEAMS = "/api/v1/mediation/teams"


def test_staff_create_a_team_in_their_area(api, tree, teams):
    body = {
        "name": "小亚工作室",
        "kind": "studio",
        "grid": tree.community1.pk,
        "description": "金牌调解员",
        "lead": teams.med1.pk,
    }
    response = api.as_user(tree.staff1).post(TEAMS, body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["kind"] == "studio" and created["grid"] == tree.community1.pk and created["member_count"] == 1
    assert TeamMember.objects.get(team_id=created["id"]).role == "lead"


@pytest.mark.parametrize("who", ["staff2", "worker1", "resident1"])
def test_others_may_not_create_a_team_there(api, tree, teams, who):
    body = {"name": "秦警官工作室", "kind": "studio", "grid": tree.street1.pk}
    response = api.as_user(getattr(tree, who)).post(TEAMS, body)
    assert response.status_code == 403
    assert not MediationTeam.objects.filter(name="秦警官工作室").exists()


@pytest.mark.parametrize(
    ("change", "field"), [({"kind": "choir"}, "kind"), ({"name": ""}, "name"), ({"grid": 999999}, "grid")]
)
def test_bad_teams_are_400(api, tree, teams, change, field):
    body = {"name": "义警二队", "kind": "volunteer_police", "grid": tree.street1.pk, **change}
    response = api.as_user(tree.staff1).post(TEAMS, body)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_the_directory_of_teams(api, tree, teams):
    teams.other.active = False
    teams.other.save(update_fields=["active"])
    names = lambda r: sorted(t["name"] for t in r.json()["results"])  # noqa: E731
    resident = api.as_user(tree.resident1)
    assert names(resident.get(TEAMS)) == ["义警队", "老街坊调解队"]
    # Those who may take a case in micro-grid 1: its community's team and its street's.
    assert names(resident.get(f"{TEAMS}?grid={tree.micro1.pk}")) == ["义警队", "老街坊调解队"]
    assert names(resident.get(f"{TEAMS}?kind=volunteer_police")) == ["义警队"]
    # An inactive team: seen by staff of its area and its members only.
    assert "第二社区调解队" in names(api.as_user(tree.staff2).get(TEAMS))
    assert "第二社区调解队" in names(api.as_user(teams.med_other).get(TEAMS))
    assert api.as_user(tree.resident1).get(f"{TEAMS}/{teams.other.pk}").status_code == 404
    assert api.as_user(tree.resident1).get(f"{TEAMS}/{teams.community.pk}").json()["member_count"] == 3


def test_the_lead_manages_members(api, tree, teams):
    url = f"{TEAMS}/{teams.community.pk}/members"
    lead = api.as_user(teams.lead1)
    added = lead.post(url, {"user": tree.resident2.pk, "role": "volunteer"})
    assert added.status_code == 201, added.content
    assert added.json()["role"] == "volunteer"
    again = lead.post(url, {"user": tree.resident2.pk, "role": "mediator"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_member"
    assert lead.post(url, {"user": tree.resident1.pk, "role": "boss"}).status_code == 400
    listed = lead.get(url).json()["results"]
    assert {m["user"] for m in listed} == {teams.lead1.pk, teams.med1.pk, teams.med2.pk, tree.resident2.pk}
    # Staff of the area also manage members.
    assert api.as_user(tree.staff1).post(url, {"user": tree.worker1.pk, "role": "mediator"}).status_code == 201


@pytest.mark.parametrize("who", ["med1", "staff2", "lead2", "resident1"])
def test_others_may_not_add_members(api, tree, teams, who):
    user = getattr(teams, who, None) or getattr(tree, who)
    response = api.as_user(user).post(
        f"{TEAMS}/{teams.community.pk}/members", {"user": tree.newcomer.pk, "role": "mediator"}
    )
    assert response.status_code == 403
    assert not TeamMember.objects.filter(user=tree.newcomer).exists()


def test_the_members_list_is_for_members_and_staff(api, tree, teams):
    url = f"{TEAMS}/{teams.community.pk}/members"
    assert api.as_user(teams.med2).get(url).status_code == 200
    assert api.as_user(tree.staff1).get(url).status_code == 200
    assert api.as_user(tree.resident1).get(url).status_code == 403
    assert api.as_user(tree.staff2).get(url).status_code == 403

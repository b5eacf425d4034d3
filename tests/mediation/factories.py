from __future__ import annotations

import factory

from mediation.models import MediationTeam, MemberRole, TeamKind, TeamMember


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediationTeam

    name = factory.Sequence(lambda n: f"调解队{n}")
    kind = TeamKind.MEDIATION_TEAM
    grid = factory.SubFactory("tests.grids.factories.GridUnitFactory")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory("tests.residents.factories.UserFactory")
    role = MemberRole.MEDIATOR

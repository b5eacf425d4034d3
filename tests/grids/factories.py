from __future__ import annotations

import factory

from grids.models import Assignment, GridLevel, GridUnit, Role


class GridUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GridUnit

    name = factory.Sequence(lambda n: f"网格{n}")
    code = factory.Sequence(lambda n: f"T{n:06d}")
    level = GridLevel.DISTRICT
    parent = None


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    user = factory.SubFactory("tests.residents.factories.UserFactory")
    unit = factory.SubFactory(GridUnitFactory)
    role = Role.STAFF

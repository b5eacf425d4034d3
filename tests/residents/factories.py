from __future__ import annotations

import factory

from residents.models import Residence, ResidenceStatus, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    nickname = factory.Sequence(lambda n: f"居民{n}")
    password = factory.PostGenerationMethodCall("set_password", "Pa55word!x")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy signature
        if create:
            obj.save()


class ResidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Residence

    user = factory.SubFactory(UserFactory)
    grid = factory.SubFactory("tests.grids.factories.GridUnitFactory", level="micro")
    address = factory.Sequence(lambda n: f"{n}号楼")
    status = ResidenceStatus.VERIFIED

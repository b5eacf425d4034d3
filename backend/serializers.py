"""ModelSerializer fields built from the model once per class instead of once per instance.

DRF's ModelSerializer introspects the model and builds every field each time a serializer is
made (each answer, each nested row); the fields depend on the class alone. `FieldsOnce` builds
them the first time and then hands each instance deep copies, the way DRF itself hands out the
declared fields (`Field.__deepcopy__` re-creates a field from its arguments), so what a
serializer reads, writes and documents is unchanged."""

from __future__ import annotations

import copy
from typing import Any

from rest_framework import serializers


class FieldsOnce(serializers.ModelSerializer):
    def get_fields(self) -> dict[str, Any]:
        built = type(self).__dict__.get("_fields_once")  # per class: a subclass builds its own
        if built is None:
            built = super().get_fields()  # never bound: instances only ever get copies
            type(self)._fields_once = built
        return copy.deepcopy(built)

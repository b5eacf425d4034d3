"""OpenAPI schema tweaks, in one place.

Input/output serializers live next to their views, often nested (`MeApi.In`); drf-spectacular
names components by class name only, so every nested `In` would collide. Name nested
serializers by their qualified name instead (`MeApiIn`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    def _get_serializer_name(self, serializer: Any, direction: str, bypass_extensions: bool = False) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        klass = serializer if isinstance(serializer, type) else type(serializer)
        qualname = getattr(klass, "__qualname__", "")
        # The parent may add a prefix or suffix ("Patched…", "…Request"): keep them.
        if "." in qualname and "<locals>" not in qualname and klass.__name__ in name:
            return name.replace(klass.__name__, qualname.replace(".", ""), 1)
        return name

"""OpenAPI schema tweaks, in one place.

Input/output serializers live next to their views, often nested (`MeApi.In`), and apps pick
short names (`EventOut`, `ReasonIn`) that others pick too; drf-spectacular names components by
class name only, so such components would collide and one would silently replace the other.
Components are named by app and qualified name instead (`ResidentsMeApiIn`, `MediationEventOut`).
Enums shared by field name across apps are named in ENUM_NAME_OVERRIDES (settings/rest.py).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    def _get_serializer_name(self, serializer: Any, direction: str, bypass_extensions: bool = False) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        klass = serializer if isinstance(serializer, type) else type(serializer)
        qualname = getattr(klass, "__qualname__", "")
        if "<locals>" in qualname or klass.__name__ not in name:
            return name  # named explicitly (e.g. inline_serializer) or by an extension
        app = klass.__module__.split(".", 1)[0]
        ours = app in _PROJECT_APPS and not qualname.lower().startswith(app.rstrip("s"))
        full = (app.capitalize() if ours else "") + qualname.replace(".", "")
        # The parent may add a prefix or suffix ("Patched…", "…Request"): keep them.
        return name.replace(klass.__name__, full, 1)


_PROJECT_APPS = {"grids", "residents", "notifications", "appeals", "mediation", "monthly", "consultations"}


class StatelessJwtScheme(SimpleJWTScheme):
    """The ballot endpoint authenticates from the token alone (no user query); it is the same
    Bearer JWT to a client, described under a name of its own so the two do not collide."""

    target_class = "rest_framework_simplejwt.authentication.JWTStatelessUserAuthentication"
    name = "jwtStatelessAuth"
    priority = 1  # before the contrib scheme, which also matches this subclass

"""Authorization before validation, for every view.

DRF checks a view's permission classes in `initial()`, before the handler parses the body; a
service's own scope check runs only after the serializer. So a view declares, per method, who
may call it at all (`requires = {"POST": is_admin_somewhere}`: a predicate of the user), and
`DeclaredPermission`, one of the default permission classes, refuses everyone else with 403
before a single field is read. Scope checks on the concrete object stay in the services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.permissions import BasePermission

Predicate = Callable[[Any], bool]


class DeclaredPermission(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        check: Predicate | None = getattr(view, "requires", {}).get(request.method)
        return check is None or bool(check(request.user))

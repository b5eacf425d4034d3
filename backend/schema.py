"""The OpenAPI schema, derived from the views so that a new endpoint is described right by default.

- Components are named by app and qualified name (`ResidentsMeApiIn`, `MediationEventOut`):
  apps pick short names (`EventOut`, `ReasonIn`) that others pick too, and drf-spectacular would
  let one silently replace the other. Shared enums are named in ENUM_NAME_OVERRIDES.
- Lists: a GET answering `many=True` is one cursor page `{"next","previous","results"}` with
  `cursor`/`page_size` (backend/pagination.py), unless the view sets `pagination_class = None`.
- Errors: each operation lists every status it can answer with the one error body, derived
  from the view (see `error_statuses`); a view adds more with `schema_errors = (409, ...)` or
  replaces the body with `error_serializer` (`error_many`: Open311 answers the spec's list).
- Request bodies are JSON only (settings: JSONParser), uploads multipart only (their view says).
- Nullability as served: a response field whose `default` is None may be null; no default
  contradicts its own pattern (`fix_blank_defaults`).
- operationIds are identifiers (no dots or dashes) and unique; the hook below refuses duplicates.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import uritemplate
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.drainage import warn
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.permissions import AllowAny

from .pagination import CursorPagination

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

ERROR_DESCRIPTIONS = {
    400: "Invalid input (`fields` names the offending ones) or a malformed body or query.",
    401: "No token, or a bad or expired one.",
    403: "The object is known to the caller, but this action is not allowed for their role.",
    404: "Absent, or outside the caller's scope.",
    409: "Illegal in the object's current state, or a duplicate.",
    413: "The request body is too large.",
    415: "The body is not of a content type this operation accepts.",
    429: "Throttled; `Retry-After` says when to try again.",
    503: "A backing service (database, cache, broker or an outside system) is unavailable; retry later.",
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}}


class ErrorDetailOut(serializers.Serializer):
    code = serializers.CharField(help_text="snake_case, stable: clients branch on it")
    message = serializers.CharField(help_text="human readable: zh-Hans, or en with Accept-Language: en")
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorOut(serializers.Serializer):
    """API.md's one error body."""

    error = ErrorDetailOut()


class AutoSchema(SpectacularAutoSchema):
    # --- component names ---------------------------------------------------------------------
    def _get_serializer_name(self, serializer: Any, direction: str, bypass_extensions: bool = False) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        klass = serializer if isinstance(serializer, type) else type(serializer)
        if klass in (ErrorOut, ErrorDetailOut):
            return klass.__name__.removesuffix("Out")
        qualname = getattr(klass, "__qualname__", "")
        if "<locals>" in qualname or klass.__name__ not in name:
            return name  # named explicitly (e.g. inline_serializer) or by an extension
        app = klass.__module__.split(".", 1)[0]
        ours = app in _PROJECT_APPS and not qualname.lower().startswith(app.rstrip("s"))
        full = (app.capitalize() if ours else "") + qualname.replace(".", "")
        # The parent may add a prefix or suffix ("Patched…", "…Request"): keep them.
        return name.replace(klass.__name__, full, 1)

    # --- operationIds ------------------------------------------------------------------------
    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        return re.sub(r"_+", "_", re.sub(r"[^0-9A-Za-z_]", "_", operation_id)).strip("_")

    # --- lists ---------------------------------------------------------------------------------
    def _get_paginator(self) -> CursorPagination | None:
        # APIViews have no pagination_class: they page through paginated_response.
        pagination_class = getattr(self.view, "pagination_class", CursorPagination)
        return pagination_class() if pagination_class else None

    # --- fields --------------------------------------------------------------------------------
    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> dict[str, Any]:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if "$ref" in schema:
            return schema
        if direction == "response" and getattr(field, "default", empty) is None:
            schema["nullable"] = True  # `source="a.b", default=None`: null when `a` is absent
        return schema

    # --- errors --------------------------------------------------------------------------------
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for status in sorted(self.error_statuses(operation)):
            if str(status) not in responses:
                responses[str(status)] = self._error_response(status)
        return operation

    def error_statuses(self, operation: dict[str, Any]) -> set[int]:
        """What this operation can answer besides success, from what the view declares."""
        view = self.view
        statuses = {503}  # every operation touches the database
        has_body = "requestBody" in operation
        query = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
        if has_body or query or self.method in UNSAFE:
            statuses.add(400)  # a body or query that does not validate or parse
        if has_body:
            statuses |= {413, 415}
        if view.get_authenticators():
            statuses.add(401)  # a bad token is refused even where no login is needed
        if not all(isinstance(p, AllowAny) for p in view.get_permissions()):
            statuses |= {401, 403}
        refers = [p for p in query if p.get("schema", {}).get("type") == "integer" and p["name"] != "page_size"]
        if refers or (has_body and 403 in statuses):
            statuses.add(404)  # a referenced object (a grid, a team, a user) absent or out of reach
        if uritemplate.variables(self.path):
            statuses.add(404)
            if self.method in UNSAFE:
                statuses.add(409)  # an action on a stateful object: illegal in its current state
        if view.get_throttles():
            statuses.add(429)
        statuses |= set(getattr(view, "schema_errors", ()))
        return statuses

    def _error_response(self, status: int) -> dict[str, Any]:
        schema = self.resolve_serializer(getattr(self.view, "error_serializer", ErrorOut), "response").ref
        if getattr(self.view, "error_many", False):
            schema = {"type": "array", "items": schema}
        media_types = self.map_renderers("media_type")
        response: dict[str, Any] = {
            "description": ERROR_DESCRIPTIONS.get(status, "Error."),
            "content": {media_type: {"schema": schema} for media_type in media_types},
        }
        if status in (429, 503):
            response["headers"] = RETRY_AFTER
        return response


_PROJECT_APPS = {"grids", "residents", "notifications", "appeals", "mediation", "monthly", "consultations"}


class StatelessJwtScheme(SimpleJWTScheme):
    """The ballot endpoint authenticates from the token alone (no user query); it is the same
    Bearer JWT to a client, described under a name of its own so the two do not collide."""

    target_class = "backend.auth.JWTStatelessUserAuthentication"
    name = "jwtStatelessAuth"
    priority = 1  # before the contrib scheme, which also matches this subclass


def fix_blank_defaults(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS: a blank-allowed field with a pattern is `oneOf: [pattern, blank]`,
    and drf-spectacular puts its `default: ""` on the pattern branch, which it contradicts.
    The default belongs to the field: move it up."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for branch in node.get("oneOf", []):
                default = branch.get("default") if isinstance(branch, dict) else None
                if isinstance(default, str) and "pattern" in branch and not re.search(branch["pattern"], default):
                    node["default"] = branch.pop("default")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result


def check_operation_ids(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS: operationIds are unique even after a generator normalises them
    (case and separators folded), or a generated client silently drops one of the two."""
    seen: dict[str, str] = {}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            key = re.sub(r"[^0-9a-z]", "", operation.get("operationId", "").lower())
            where = f"{method.upper()} {path}"
            if key in seen:
                warn(f"operationId {operation['operationId']!r} of {where} collides with {seen[key]}")
            seen[key] = where
    return result
class JwtScheme(SimpleJWTScheme):
    """backend.auth.JWTAuthentication: simplejwt's Bearer JWT with a checked user id claim."""

    target_class = "backend.auth.JWTAuthentication"
    priority = 1


def expand_format_suffixes(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS: a path ending in `.{ext}` (Open311's format by extension) becomes
    one path per format, as clients and the contract name them (`requests.json`,
    `requests.xml`), each answering only its own media type."""
    media = {"json": "application/json", "xml": "application/xml"}
    paths: dict[str, Any] = {}
    for path, operations in result.get("paths", {}).items():
        if ".{ext}" not in path:
            paths[path] = operations
            continue
        for ext, content_type in media.items():
            expanded = copy.deepcopy(operations)
            for operation in expanded.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                operation["parameters"] = [p for p in operation.get("parameters", []) if p.get("name") != "ext"]
                operation["operationId"] = f"{operation['operationId']}_{ext}"
                for response in operation["responses"].values():
                    content = response.get("content")
                    if content and content_type in content:
                        response["content"] = {content_type: content[content_type]}
            paths[path.replace(".{ext}", f".{ext}")] = expanded
    result["paths"] = paths
    return result

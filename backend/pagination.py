"""API.md lists: `?cursor=` pagination, `{"next","previous","results"}`, `?page_size=` up to 100.

Every list view ends in `paginated_response`; the schema (backend/schema.py) describes every
GET that answers `many=True` with this envelope and these parameters, unless the view says
`pagination_class = None` (it answers a bare array).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import QuerySet
from rest_framework.pagination import Cursor
from rest_framework.pagination import CursorPagination as DrfCursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from .errors import InvalidInput
from .messages import Msg

INVALID_CURSOR = Msg("分页游标无效。", "The cursor is invalid.")


class CursorPagination(DrfCursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    # Newest first by id: unique and indexed, so the cursor is stable under inserts.
    ordering = "-id"

    def paginate_queryset(self, queryset: Any, request: Request, view: APIView | None = None) -> list[Any] | None:
        self._model = queryset.model if isinstance(queryset, QuerySet) else None
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        """A cursor is ours only if it decodes and its position fits the ordering field: a forged
        one (any bytes, NUL included, a text where an id belongs) is bad input, never a crash."""
        if self.cursor_query_param in request.query_params:
            raw = request.query_params[self.cursor_query_param]
            if not raw.isascii() or "\x00" in raw:
                raise InvalidInput(INVALID_CURSOR, code="invalid_cursor")
        try:
            cursor = super().decode_cursor(request)
        except Exception as exc:  # DRF answers NotFound; any undecodable cursor is a 400 here
            raise InvalidInput(INVALID_CURSOR, code="invalid_cursor") from exc
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        if "\x00" in position or len(position) > 256:
            raise InvalidInput(INVALID_CURSOR, code="invalid_cursor")
        model = getattr(self, "_model", None)
        ordering = getattr(self, "ordering", None)  # set by paginate_queryset before decoding
        if model is None or not ordering:
            return
        name = (ordering if isinstance(ordering, str) else ordering[0]).lstrip("-")
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return  # an annotation: the database compares it as given
        try:
            field.to_python(position)
        except (ValidationError, TypeError, ValueError) as exc:
            raise InvalidInput(INVALID_CURSOR, code="invalid_cursor") from exc

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        envelope = super().get_paginated_response_schema(schema)
        envelope["required"] = ["next", "previous", "results"]
        for link in ("next", "previous"):
            envelope["properties"][link].pop("example", None)
        return envelope

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
                parameter["description"] = f"Rows per page, at most {self.max_page_size} (default {self.page_size})."
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = "The opaque cursor of a `next` or `previous` link."
        return parameters


def paginated_response(
    request: Request,
    view: APIView,
    rows: Any,
    out: type[BaseSerializer],
    *,
    context: dict[str, Any] | None = None,
    **options: Any,
) -> Response:
    """One cursor page of `rows` rendered with `out`: the tail of every list view.
    `options` override the paginator's attributes (e.g. ordering="sort_key")."""
    paginator = CursorPagination()
    for name, value in options.items():
        setattr(paginator, name, value)
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(out(page, many=True, context=context or {}).data)

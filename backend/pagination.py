"""API.md lists: `?cursor=` pagination, `{"next","previous","results"}`, `?page_size=` up to 100."""

from typing import Any

from rest_framework.pagination import CursorPagination as DrfCursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView


class CursorPagination(DrfCursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    # Newest first by id: unique and indexed, so the cursor is stable under inserts.
    ordering = "-id"


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

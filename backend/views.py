"""What every view does with a request body, a creation and a list: read the body through its
input serializer (a 400 in API.md's error body when it does not validate), answer 201, and
serve a filtered cursor page.

    @extend_schema(request=TeamIn, responses={201: TeamOut})
    def post(self, request: Request) -> Response:
        team = services.team_create(actor=request.user, **validated(TeamIn, request))
        return created(TeamOut(team).data)
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import FilterSet
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .filtering import filtered
from .pagination import paginated_response


def validated(
    serializer: type[serializers.Serializer],
    request: Request | None = None,
    *,
    data: Any = None,
    **options: Any,
) -> dict[str, Any]:
    """`serializer`'s validated data for the request body (or `data`, e.g. a signed payload or
    the query string); raises DRF's ValidationError, which the error handler turns into a 400.
    `options` go to the serializer (`partial=True`)."""
    body = serializer(data=request.data if data is None and request is not None else data, **options)
    body.is_valid(raise_exception=True)
    return body.validated_data


def created(body: Any) -> Response:
    """The 201 answer to a POST that made something."""
    return Response(body, status=status.HTTP_201_CREATED)


def filtered_page(
    request: Request,
    view: APIView,
    filterset: type[FilterSet],
    rows: QuerySet,
    out: type[serializers.BaseSerializer],
    **options: Any,
) -> Response:
    """A list view's GET: the rows the caller may see (scoped by a selector), narrowed by the
    query string's filters (a 400 for a bad value), one cursor page rendered with `out`."""
    return paginated_response(request, view, filtered(filterset, request, rows), out, **options)

"""API.md lists: `?cursor=` pagination, `{"next","previous","results"}`, `?page_size=` up to 100."""

from rest_framework.pagination import CursorPagination as DrfCursorPagination


class CursorPagination(DrfCursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    # Newest first by id: unique and indexed, so the cursor is stable under inserts.
    ordering = "-id"

"""URL patterns of the API's usual shape, `<subject>s/<id>/<action>` named `<subject>-<action>`:
an app lists its actions as data, one line each, instead of spelling every path out."""

from __future__ import annotations

from django.urls import URLPattern, path
from rest_framework.views import APIView


def on(subject: str, action: str, view: type[APIView]) -> URLPattern:
    """`on("meeting", "minutes/approve", MinutesApproveApi)`: /meetings/<int:meeting_id>/minutes/approve,
    named meeting-minutes-approve; an empty action is the subject itself (named <subject>-detail)."""
    route = f"{subject}s/<int:{subject}_id>" + (f"/{action}" if action else "")
    return path(route, view.as_view(), name=f"{subject}-{action.replace('/', '-') or 'detail'}")

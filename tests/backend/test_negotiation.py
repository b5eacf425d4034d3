"""backend.negotiation: the short path picks what DRF's own negotiation picks, and everything
else still goes through DRF (406, format overrides)."""

from __future__ import annotations

import pytest
from django.http import Http404
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer, TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from backend.negotiation import ContentNegotiation

ACCEPTS = [None, "*/*", "application/json", "text/html", "application/json; indent=4", "*/*;q=0.8", "", "text/*"]
QUERIES = ["", "?format=json", "?format=api", "?format=xml", "?format="]
RENDERER_SETS = [[JSONRenderer()], [JSONRenderer(), BrowsableAPIRenderer()], [TemplateHTMLRenderer(), JSONRenderer()]]


def _pick(negotiation: DefaultContentNegotiation, accept: str | None, query: str, renderers: list, suffix: str | None):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(f"/api/v1/me{query}", **extra))
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers, suffix)
    except (exceptions.NotAcceptable, Http404) as exc:
        return type(exc)
    return type(renderer), media_type


@pytest.mark.parametrize("renderers", RENDERER_SETS, ids=["json", "json+api", "html+json"])
@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("suffix", [None, "json"])
def test_picks_what_drf_picks(accept, query, renderers, suffix):
    assert _pick(ContentNegotiation(), accept, query, renderers, suffix) == _pick(
        DefaultContentNegotiation(), accept, query, renderers, suffix
    )


def test_the_api_answers_json_and_refuses_what_it_cannot_render(api, db):
    assert api.get("/healthz", HTTP_ACCEPT="application/json").headers["Content-Type"] == "application/json"
    refused = api.get("/healthz", HTTP_ACCEPT="text/html")
    assert refused.status_code == 406
    assert refused.json()["error"]["code"] == "not_acceptable"

"""The API's route order: prefixed apps come first (backend/urls.py) and must not hide a route."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, resolve

from backend.urls import api_v1


def _routes(entries: list, prefix: str = "") -> list[str]:
    found: list[str] = []
    for entry in entries:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            found.append(route)
    return found


def test_no_route_of_a_later_app_starts_with_an_earlier_prefix():
    """Moving a prefixed include before the apps at "" changes which view answers only if one
    of their routes begins with that prefix."""
    prefixes: list[str] = []
    for entry in api_v1:
        own = str(entry.pattern)
        later = _routes([entry]) if isinstance(entry, URLResolver) and own == "" else [own]
        clashes = [route for route in later for prefix in prefixes if route.startswith(prefix)]
        assert not clashes, clashes
        if isinstance(entry, URLResolver) and own:
            prefixes.append(own)
    assert prefixes[:2] == ["monthly/", "mediation/"]


def test_routes_resolve_to_their_apps():
    assert resolve("/api/v1/monthly/rounds/7/ballot").url_name == "monthly-ballot"
    assert resolve("/api/v1/mediation/teams/2").url_name == "mediation-team"
    assert resolve("/api/v1/me").url_name == "me"
    assert resolve("/api/v1/appeals/3").url_name == "appeal-detail"


def test_an_unknown_path_under_a_prefix_is_a_json_404(api, db):
    response = api.get("/api/v1/monthly/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"

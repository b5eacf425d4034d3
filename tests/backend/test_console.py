"""The staff console is served by Django at /console/ (backend/console.py)."""

import json

import pytest
from django.core.management import call_command


@pytest.fixture
def built(tmp_path, settings):
    (tmp_path / "console").mkdir()
    (tmp_path / "console" / "index.html").write_text("<!doctype html><title>console</title>", encoding="utf-8")
    settings.CONSOLE_DIST = tmp_path
    return tmp_path


@pytest.mark.parametrize("path", ["/console/", "/console/appeals/12", "/console/monthly"])
def test_every_route_of_the_app_gets_its_index_uncached(client, built, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    assert b"<title>console</title>" in response.content


def test_a_missing_asset_is_404_not_the_app(client, built):
    assert client.get("/console/assets/gone-abcdefgh.js").status_code == 404


def test_without_a_build_the_console_says_so(client, tmp_path, settings):
    settings.CONSOLE_DIST = tmp_path
    response = client.get("/console/")
    assert response.status_code == 503 and response["Retry-After"]
    assert b"npm" in response.content


def test_hashed_assets_are_immutable_and_html_is_not():
    from backend.console import console_add_headers, console_immutable_file_test

    assert console_immutable_file_test("", "/console/assets/index-Dsn8I_SU.js")
    assert console_immutable_file_test("", "/console/assets/index-Dsn8I_SU.js.gz")
    assert not console_immutable_file_test("", "/console/index.html")
    headers: dict[str, str] = {}
    console_add_headers(headers, "", "/console/index.html")
    assert headers["Cache-Control"] == "no-cache"


def test_list_endpoints_are_described_as_the_cursor_pages_they_send(db, capsys):
    """The console's types come from the schema: a list must be {next, previous, results}."""
    call_command("spectacular", "--format", "openapi-json")
    schema = json.loads(capsys.readouterr().out)
    listing = schema["paths"]["/api/v1/appeals"]["get"]
    ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"next", "previous", "results"}
    assert {"cursor", "page_size"} <= {p["name"] for p in listing["parameters"]}

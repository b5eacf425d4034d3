"""Input schemathesis may send and a crafted client surely will: never a 500."""

from __future__ import annotations

import base64

import pytest

from tests.monthly.factories import make_round

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!",
        base64.b64encode(b"p=abc").decode(),  # a text where an id belongs
        base64.b64encode(b"p=1\x00").decode(),  # NUL: PostgreSQL refuses it in any string
        base64.b64encode(b"o=-5&r=x").decode(),
        "\u00e9t\u00e9",
    ],
)
def test_forged_cursor_is_400(api, tree, cursor):
    response = api.as_user(tree.staff1).get("/api/v1/appeals", {"cursor": cursor})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_real_cursor_still_pages(api, tree):
    client = api.as_user(tree.admin)
    first = client.get("/api/v1/grids", {"page_size": 2}).json()
    assert first["next"]
    second = client.get(first["next"])
    assert second.status_code == 200 and second.json()["results"]


def test_nul_in_a_text_path_segment_is_404(api, tree):
    round_ = make_round(scope=tree.street1, staff=tree.staff1)
    response = api.as_user(tree.resident1).get(f"/api/v1/monthly/rounds/{round_.pk}/receipts/ab%00cd")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_deeply_nested_json_is_400(api, tree):
    body = "[" * 100_000 + "]" * 100_000
    response = api.as_user(tree.resident1).generic("POST", "/api/v1/appeals", body)
    assert response.status_code in (400, 413), response.content
    if response.status_code == 400:
        assert response.json()["error"]["code"] == "malformed_request"


def test_form_bodies_are_refused(api, tree):
    response = api.as_user(tree.resident1).post("/api/v1/appeals", {"title": "x"}, format="multipart")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"

"""Hostile input answers 4xx, never 500: deep JSON, NUL bytes, forged tokens, pixel bombs,
authorization before validation, unknown WebSocket paths."""

from __future__ import annotations

import zlib

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

pytestmark = pytest.mark.django_db


def test_deeply_nested_json_is_refused_with_400(api):
    for body in ("[" * 100_000, "[" * 50 + "]" * 50, '{"a":' * 30 + "1" + "}" * 30):
        response = Client().post("/api/v1/auth/password-login", body, content_type="application/json")
        assert response.status_code == 400, (len(body), response.content)
        assert response.json()["error"]["code"] == "malformed_request"


def test_shallow_json_still_parses(api, tree):
    response = api.post("/api/v1/auth/password-login", {"username": "nobody", "password": "x"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_credentials"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/monthly/rounds/3/receipts/a%00b", "/open311/v2/requests/1%00.json", "/api/v1/appeals/1%00"],
)
def test_a_nul_byte_in_a_path_is_404(api, path):
    response = Client().get(path)
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"


def test_a_nul_byte_in_a_query_is_400(api, tree):
    response = api.as_user(tree.staff1).get("/api/v1/grids?q=a%00b")
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_request"


@pytest.mark.parametrize("claim", ["abc", "1.5", "", None, True, "9" * 30, ["1"]])
def test_a_token_with_a_non_integer_user_id_is_401(api, tree, claim):
    token = AccessToken.for_user(tree.resident1)
    token["user_id"] = claim
    client = api.as_user(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/me").status_code == 401
    # The ballot endpoint authenticates without a user query; same answer.
    assert client.post("/api/v1/monthly/rounds/1/ballot", {"choices": [1]}).status_code == 401


def _png_header_only(width: int, height: int) -> bytes:
    """A valid PNG of `width`x`height` whose pixels compress to almost nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    row = b"\x00" + b"\x00" * width  # grayscale, filter 0
    raw = zlib.compress(row * height, 9)
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_a_7071_square_png_is_refused_before_decoding(api, tree):
    from tests.appeals.factories import upload

    data = _png_header_only(7071, 7071)
    assert len(data) < 300_000
    response = api.as_user(tree.resident1).post(
        "/api/v1/attachments", {"file": upload("big.png", data, "image/png")}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_image"


def test_pillow_refuses_bombs_everywhere(settings):
    from PIL import Image

    assert Image.MAX_IMAGE_PIXELS == settings.IMAGE_MAX_PIXELS <= 40_000_000


def test_a_resident_creating_a_grid_gets_403_before_validation(api, tree):
    response = api.as_user(tree.resident1).post("/api/v1/grids", {})
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "permission_denied"
    # An admin with the same empty body gets the validation answer.
    assert api.as_user(tree.admin).post("/api/v1/grids", {}).status_code == 400


def test_a_resident_creating_an_account_gets_403_before_validation(api, tree):
    assert api.as_user(tree.resident1).post("/api/v1/users", {}).status_code == 403


def test_a_websocket_to_an_unknown_path_is_refused_cleanly():
    from backend.asgi import application

    async def knock() -> dict:
        scope = {"type": "websocket", "path": "/ws/no-such-route", "query_string": b"", "headers": []}
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "websocket.connect"})
        answer = await communicator.receive_output(10)
        await communicator.send_input({"type": "websocket.disconnect", "code": answer.get("code")})
        await communicator.wait(10)
        return answer

    answer = async_to_sync(knock)()
    assert answer["type"] == "websocket.close" and answer["code"] == 4404


def test_personal_answers_are_not_stored_and_the_server_is_not_named(api, tree):
    me = api.as_user(tree.resident1).get("/api/v1/me")
    assert me.status_code == 200
    assert me["Cache-Control"] == "no-store"
    assert me["Server"] == "yuandian"
    health = Client().get("/healthz")
    assert health["Server"] == "yuandian" and health["Cache-Control"] == "no-store"

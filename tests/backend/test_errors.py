"""Every error answers API.md's body: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "fields"} <= set(body["error"]), body
    assert body["error"]["message"]
    return body["error"]


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_400_validation_names_the_fields(api, tree):
    response = api.as_user(tree.newcomer).post("/api/v1/me/residence", {"address": "1号"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert "grid" in error["fields"]


def test_401_without_token(api):
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_401_with_a_garbage_token(api):
    response = api.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 401
    assert error_of(response)["code"] == "token_not_valid"


def test_403_for_a_known_object_the_role_may_not_touch(api, tree):
    response = api.as_user(tree.resident1).post(
        f"/api/v1/grids/{tree.street1.pk}/assignments", {"user": tree.resident1.pk, "role": "staff"}
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


def test_404_for_an_unknown_api_object(api, tree):
    response = api.as_user(tree.staff1).get("/api/v1/grids/999999")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_404_for_a_url_nobody_serves(api, db):
    response = api.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_no_redirect_for_a_trailing_slash(api, tree):
    response = api.as_user(tree.staff1).get("/api/v1/me/")
    assert response.status_code == 404


def test_405_for_a_wrong_method(api, tree):
    response = api.as_user(tree.staff1).delete("/api/v1/me")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_malformed_json_is_400(api, tree):
    client = api.as_user(tree.newcomer)
    response = client.generic("POST", "/api/v1/me/residence", '{"grid": 1,', content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_request"


def test_oversized_body_is_413_and_changes_nothing(api, tree, settings):
    client = api.as_user(tree.newcomer)
    huge = '{"address": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}'
    response = client.generic("PATCH", "/api/v1/me", huge, content_type="application/json")
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


def test_messages_are_chinese_by_default_and_english_on_request(api, db):
    zh = error_of(api.get("/api/v1/me"))["message"]
    en = error_of(api.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en"))["message"]
    assert has_chinese(zh)
    assert en.isascii() and en != zh


@pytest.mark.parametrize("zh_header", ["zh-Hans", "zh-hans", "zh-CN", "zh-Hans,en;q=0.8"])
def test_field_messages_follow_accept_language_and_codes_do_not(api, tree, zh_header):
    """The console sends Accept-Language with its locale: DRF's own field messages (its zh_Hans
    catalogue, through LocaleMiddleware) and ours (`Msg` in `fields`) both answer in it."""
    newcomer = api.as_user(tree.newcomer)  # no residence yet
    appeal = {"category": "other", "title": "咨询", "description": "请问……"}
    answers = {}
    for lang in (zh_header, "en"):
        drf_field = newcomer.post("/api/v1/me/residence", {"address": "1号"}, HTTP_ACCEPT_LANGUAGE=lang)
        our_field = newcomer.post("/api/v1/appeals", appeal, HTTP_ACCEPT_LANGUAGE=lang)
        assert drf_field.status_code == our_field.status_code == 400
        answers[lang] = (error_of(drf_field), error_of(our_field))
    (drf_zh, ours_zh), (drf_en, ours_en) = answers[zh_header], answers["en"]
    assert drf_zh["code"] == drf_en["code"] == "invalid"
    assert ours_zh["code"] == ours_en["code"] == "residence_required"
    assert drf_zh["fields"]["grid"] == ["该字段是必填项。"] and drf_en["fields"]["grid"] == ["This field is required."]
    assert ours_zh["fields"]["grid"] == ["未登记住址时必填。"]
    assert ours_en["fields"]["grid"] == ["required without a residence"]
    assert has_chinese(drf_zh["message"]) and has_chinese(ours_zh["message"])
    assert drf_en["message"].isascii() and ours_en["message"].isascii()


def test_a_refusal_before_validation_keeps_its_code_in_either_language(api, tree):
    for lang in ("zh-Hans", "en"):
        response = api.as_user(tree.resident1).post(
            f"/api/v1/grids/{tree.street1.pk}/assignments", {}, HTTP_ACCEPT_LANGUAGE=lang
        )
        assert response.status_code == 403  # 403 before validation, whatever the language
        assert error_of(response)["code"] == "permission_denied"


def test_throttled_answers_429_with_retry_after(api, tree, settings):
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], "login": "2/min"}}
    for _ in range(2):
        api.post("/api/v1/auth/password-login", {"username": "staff1", "password": "x"})
    response = api.post("/api/v1/auth/password-login", {"username": "staff1", "password": "x"})
    assert response.status_code == 429
    assert error_of(response)["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_each_signed_in_user_has_a_request_budget(api, tree, settings):
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], "user": "3/min"}}
    client = api.as_user(tree.resident1)
    assert [client.get("/api/v1/me").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert int(client.get("/api/v1/me")["Retry-After"]) <= 60
    assert api.as_user(tree.resident2).get("/api/v1/me").status_code == 200  # a budget of their own

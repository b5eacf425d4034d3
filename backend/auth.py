"""JWT authentication of the API and the WebSockets: simplejwt's, refusing a token whose
user id claim is not an integer with 401 (simplejwt passes the claim to the query as it is,
and a string there is a ValueError, i.e. a 500). Such a token needs the signing key, but a
rotated or shared key must still never crash a request."""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings


def _check_user_id(validated_token: Any) -> None:
    user_id = validated_token.get(api_settings.USER_ID_CLAIM)
    if isinstance(user_id, bool) or not (
        isinstance(user_id, int) or (isinstance(user_id, str) and user_id.isascii() and user_id.isdigit())
    ):
        raise InvalidToken("Token contained no recognizable user identification")
    if int(user_id) > 2**63 - 1:
        raise InvalidToken("Token contained no recognizable user identification")


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token: Any) -> Any:
        _check_user_id(validated_token)
        return super().get_user(validated_token)


class JWTStatelessUserAuthentication(authentication.JWTStatelessUserAuthentication):
    """No user query (the ballot endpoint): the id claim is checked all the same."""

    def get_user(self, validated_token: Any) -> Any:
        _check_user_id(validated_token)
        return super().get_user(validated_token)

"""WebSocket authentication: `?token=<access JWT>` (the mini-program cannot set headers on
wx.connectSocket reliably). The connection's scope gets `user` (AnonymousUser when absent or
bad); consumers refuse anonymous sockets."""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser


@database_sync_to_async
def user_from_token(raw: str):
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

    from backend.auth import JWTAuthentication

    auth = JWTAuthentication()
    try:
        return auth.get_user(auth.get_validated_token(raw.encode()))
    except (InvalidToken, TokenError, AuthenticationFailed):  # a bad token is simply anonymous
        return AnonymousUser()


class JwtQueryAuthMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        params = parse_qs(scope.get("query_string", b"").decode())
        token = (params.get("token") or [""])[0]
        user = await user_from_token(token) if token else AnonymousUser()
        return await self.app({**scope, "user": user}, receive, send)

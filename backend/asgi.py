"""ASGI entry point: HTTP through Django, WebSockets through Channels with JWT auth."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from backend.routing import websocket_urlpatterns  # noqa: E402
from backend.ws_auth import JwtQueryAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The mini-program's socket sends no Origin we can predict; the token is the check.
        "websocket": JwtQueryAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
__all__ = ["AllowedHostsOriginValidator", "application"]

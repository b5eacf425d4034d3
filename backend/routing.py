"""WebSocket routes of every app, gathered in one list, and a last route for every other path:
a socket to a path nobody serves is refused at the handshake (Channels' router would raise
"No route found", which the ASGI server answers with HTTP 500)."""

from channels.generic.websocket import WebsocketConsumer
from django.urls import re_path

from notifications.routing import websocket_urlpatterns as notification_routes


class NoRouteConsumer(WebsocketConsumer):
    channel_layer_alias = None  # it never receives group messages: no channel-layer round trips

    def connect(self) -> None:
        self.close(code=4404)  # before accept: the server answers the handshake with 403


websocket_urlpatterns = [*notification_routes, re_path(r"", NoRouteConsumer.as_asgi())]

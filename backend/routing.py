"""WebSocket routes of every app, gathered in one list from settings.WEBSOCKET_ROUTES (dotted
paths of each app's `websocket_urlpatterns`), as backend/urls.py includes each app's URLs by
name: the project package imports no app module by itself. A last route catches every other
path: a socket to a path nobody serves is refused at the handshake (Channels' router would
raise "No route found", which the ASGI server answers with HTTP 500)."""

from channels.generic.websocket import WebsocketConsumer
from django.conf import settings
from django.urls import re_path
from django.utils.module_loading import import_string


class NoRouteConsumer(WebsocketConsumer):
    channel_layer_alias = None  # it never receives group messages: no channel-layer round trips

    def connect(self) -> None:
        self.close(code=4404)  # before accept: the server answers the handshake with 403


websocket_urlpatterns = [
    *(route for dotted in settings.WEBSOCKET_ROUTES for route in import_string(dotted)),
    re_path(r"", NoRouteConsumer.as_asgi()),
]

"""WebSocket routes of the notifications app."""

websocket_urlpatterns: list = []

from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = "协商议事"

    def ready(self) -> None:
        from notifications.realtime import register_topic

        from . import discussion, notifications  # noqa: F401  (registers the event templates)
        from .live import TOPIC, may_watch_meeting

        discussion.ready()  # the discussion half: its templates, WebSocket topic, photo verdicts
        register_topic(TOPIC, may_watch_meeting)  # live motion counts of a meeting

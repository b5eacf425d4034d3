from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = "协商议事"

    def ready(self) -> None:
        from . import discussion, notifications  # noqa: F401  (registers the event templates)
        from .live import MEETINGS

        discussion.ready()  # the discussion half: its templates, WebSocket topic, photo verdicts
        MEETINGS.register()  # live motion counts of a meeting

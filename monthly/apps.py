from django.apps import AppConfig


class MonthlyConfig(AppConfig):
    name = "monthly"
    verbose_name = "每月一事"

    def ready(self) -> None:
        from notifications.realtime import register_topic

        from . import notifications  # noqa: F401  (registers the event templates)
        from .selectors import may_see_tally

        # WebSocket topic "monthly.round.<id>": live tallies, only to those who may see them.
        register_topic("monthly.round", may_see_tally)

from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = "诉求"

    def ready(self) -> None:
        from . import notifications  # noqa: F401  (registers the event templates)

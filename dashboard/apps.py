from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "一屏观全域"

    def ready(self) -> None:
        from . import invalidation

        invalidation.connect()

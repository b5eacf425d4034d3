from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "linkage"
    verbose_name = "系统对接（智慧信访·智慧矛盾系统）"

    def ready(self) -> None:
        from . import notifications, receivers  # noqa: F401  (templates; the mediation event feed)

from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "社区资源"

    def ready(self) -> None:
        from . import notifications  # noqa: F401  (registers the event templates)

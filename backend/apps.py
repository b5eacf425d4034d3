from django.apps import AppConfig


class BackendConfig(AppConfig):
    name = "backend"
    verbose_name = "原点在线"

    def ready(self) -> None:
        from . import converters

        converters.register()  # before any URLconf is loaded

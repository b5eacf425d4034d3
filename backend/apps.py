from django.apps import AppConfig


class BackendConfig(AppConfig):
    name = "backend"
    verbose_name = "原点在线"

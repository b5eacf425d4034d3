from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "mediation"
    verbose_name = "矛盾纠纷调解"

    def ready(self) -> None:
        from . import notifications  # noqa: F401 - registers the event templates

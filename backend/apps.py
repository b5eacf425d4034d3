from django.apps import AppConfig


class BackendConfig(AppConfig):
    name = "backend"
    verbose_name = "原点在线"

    def ready(self) -> None:
        from . import converters

        converters.register()  # before any URLconf is loaded
        from django.conf import settings
        from PIL import Image

        # Pillow warns above this and refuses above twice this: bound every decode, not only
        # the upload path that checks dimensions first.
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS

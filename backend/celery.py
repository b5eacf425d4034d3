"""The Celery app. Eager (in-process) when no REDIS_URL is set."""

import os

from celery import Celery
from celery.signals import setup_logging
from kombu.transport import TRANSPORT_ALIASES

# redis:// brokers use our transport (backend/broker.py: survives a Redis restart).
TRANSPORT_ALIASES["redis"] = "backend.broker:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("yuandian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _django_logging(**kwargs: object) -> None:
    """Keep Django's LOGGING in the worker (Celery would otherwise replace the root handlers,
    and with them the filter that masks secrets in outbound URLs)."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)

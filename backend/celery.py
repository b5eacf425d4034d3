"""The Celery app. Eager (in-process) when no REDIS_URL is set."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("yuandian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

"""Everything that Redis backs when REDIS_URL is set: the cache, channel layer and Celery.

Without it: a local-memory cache, an in-memory channel layer and eager Celery.
"""

from datetime import timedelta

from redis.backoff import NoBackoff
from redis.retry import Retry

from .env import env_bool, env_int, env_str, is_set

REDIS_URL = env_str("REDIS_URL", "")
USE_REDIS = is_set("REDIS_URL")

if USE_REDIS:
    CACHES = {
        "default": {
            "BACKEND": "backend.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "yd"),
            # A dead Redis must cost a request milliseconds, not seconds: short socket
            # timeouts and no client-side retries (the request answers 503 instead).
            "OPTIONS": {
                "socket_connect_timeout": float(env_str("REDIS_CONNECT_TIMEOUT", "0.5")),
                "socket_timeout": float(env_str("REDIS_SOCKET_TIMEOUT", "1")),
                "retry": Retry(NoBackoff(), 0),
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("CHANNELS_PREFIX", "yd-asgi")},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Celery (namespace CELERY_ in backend/celery.py).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not USE_REDIS)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once it has run, and a worker that dies hands it back.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker outage must never make the worker give up: it retries the connection forever (the
# default stops after 100 attempts and exits), and supervision (README) restarts it on anything
# else. Tasks that were running when the connection dropped cannot be acknowledged any more and
# come back from the broker; cancelling them at once keeps duplicates to what was in flight.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Redis redelivers an unacknowledged task after this long (must exceed the longest task).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600),
    "socket_timeout": 5,
    "socket_connect_timeout": 3,
    # Probe idle broker connections so a Redis restart is noticed within seconds.
    "health_check_interval": 10,
}
CELERY_TIMEZONE = "Asia/Shanghai"
# Each domain app owns its periodic tasks; the schedule lists them in one place.
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep": {
        "task": "notifications.tasks.sweep_pending_deliveries",
        "schedule": timedelta(seconds=30),
    },
    "appeals-deadlines": {
        "task": "appeals.tasks.enforce_deadlines",
        "schedule": timedelta(minutes=5),
    },
    "appeals-hotline-sync": {
        "task": "appeals.tasks.sweep_hotline_sync",
        "schedule": timedelta(minutes=1),
    },
    # 协商议事 discussion: follower digests that are due; photos still waiting for a check request.
    "consultations-digests": {
        "task": "consultations.discussion.tasks.send_due_digests",
        "schedule": timedelta(minutes=1),
    },
    "consultations-photo-checks": {
        "task": "consultations.discussion.tasks.request_pending_photo_checks",
        "schedule": timedelta(minutes=5),
    },
    "mediation-overdue": {
        "task": "mediation.tasks.flag_overdue_cases",
        "schedule": timedelta(minutes=15),
    },
    "mediation-session-reminders": {
        "task": "mediation.tasks.remind_upcoming_sessions",
        "schedule": timedelta(minutes=10),
    },
    "consultations-deadlines": {
        "task": "consultations.tasks.enforce_deadlines",
        "schedule": timedelta(minutes=5),
    },
    # Texts held because WeChat was unreachable, checked again once it may answer.
    "consultations-recheck-held": {
        "task": "consultations.tasks.recheck_held_texts",
        "schedule": timedelta(minutes=5),
    },
    "linkage-sweep": {
        "task": "linkage.tasks.sweep_linked_calls",
        "schedule": timedelta(minutes=1),
    },
    "linkage-petition-deadlines": {
        "task": "linkage.tasks.warn_petition_deadlines",
        "schedule": timedelta(hours=1),
    },
    "monthly-phases": {
        "task": "monthly.tasks.advance_round_phases",
        "schedule": timedelta(seconds=30),
    },
}

"""Settings for the test run: the real ones, pointed at a real PostgreSQL and Redis.

Each variable can be overridden (parallel runs use their own database name and Redis dbs).
The cache and channel layer use one Redis db, the Celery broker another, so clearing the cache
between tests never drops queued tasks.
"""

import os

# Development keys (settings/security.py refuses them in a deployment).
os.environ.setdefault("DEV_KEYS", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yuandian")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
# Tasks run in-process unless a test starts a real worker (tests/fakes + notifications tests).
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
# No connection pool here: concurrency tests run plain threads that never hand their
# connection back the way a request or task does. The benchmarks run with the pool.
os.environ.setdefault("DB_POOL", "0")
os.environ.setdefault("THROTTLE_ANON", "100000/min")
os.environ.setdefault("THROTTLE_USER", "100000/min")
os.environ.setdefault("THROTTLE_LOGIN", "100000/min")
os.environ.setdefault("MEDIA_ROOT", "/tmp/yuandian-test-media")

from backend.settings import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never deployed
WECHAT_APPID = "wx-test-appid"
WECHAT_SECRET = "wx-test-secret"

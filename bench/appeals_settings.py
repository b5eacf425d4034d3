"""Settings for `bench/appeals_load.py --pool`: the project's settings with Django's
PostgreSQL connection pool (psycopg_pool) in place of a connection per request."""

from backend.settings import *  # noqa: F403

DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405 - the pool replaces persistent connections
DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 2, "max_size": 10, "timeout": 10}}  # noqa: F405

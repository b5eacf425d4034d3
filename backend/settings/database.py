"""The database: PostgreSQL from DATABASE_URL, else an embedded SQLite file."""

import dj_database_url

from .base import BASE_DIR
from .env import env_bool, env_int, env_str

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads (the ASGI server's, eager tasks) share the file. WAL lets readers go on
    # while one writer writes; IMMEDIATE takes the write lock when a transaction begins, so two
    # transactions that read and then write wait for each other (the busy timeout) instead of
    # one failing at once with "database is locked" on its lock upgrade (SQLite cannot retry
    # a deferred transaction that already read).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif env_bool("DB_POOL", True):
    # Under ASGI every request runs in a worker thread, so persistent connections (CONN_MAX_AGE)
    # pile up one per thread until PostgreSQL refuses clients. A per-process psycopg pool bounds
    # them instead (Django requires CONN_MAX_AGE = 0 with a pool).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Health checks probe a *persistent* connection with an extra query per request; the pool
    # hands out connections it already tracks, so they would only cost a round trip.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": env_int("DB_POOL_MIN", 1),
            "max_size": env_int("DB_POOL_MAX", 10),
            # How long a request waits for a free connection. Short: with PostgreSQL down or
            # the pool exhausted, a request answers 503 within ~2 s instead of hanging (a
            # worker, which can wait, sets DB_POOL_TIMEOUT higher).
            "timeout": float(env_str("DB_POOL_TIMEOUT", "2")),
        },
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable host (no RST) must not hold a request for the OS's TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 2)

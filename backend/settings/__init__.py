"""Settings, split by topic and driven by environment variables (cookiecutter-django style).

With no environment set the project runs embedded: SQLite, a local-memory cache, an
in-memory channel layer and eager Celery. `DATABASE_URL` and `REDIS_URL` switch it to
PostgreSQL, Redis, channels-redis and a real Celery broker.
"""

from .base import *
from .database import *
from .domain import *
from .integrations import *
from .redis import *
from .rest import *
from .security import *

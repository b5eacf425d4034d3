"""Settings of the 每月一事 benchmark's server: the production settings plus one bare endpoint
(bench/monthly_urls.py) to measure the framework's floor on the same server."""

from backend.settings import *  # noqa: F403

ROOT_URLCONF = "bench.monthly_urls"

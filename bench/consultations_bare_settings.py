"""The bare project of the consultations benchmark: a minimal Django project (DRF's JSON
rendering, no middleware, no authentication, no database) whose one view answers a constant,
served by the same server and flags as the project, to give the framework's floor.

The minimum for this benchmark until the shared bench/harness.py (branch perf) lands on main."""

SECRET_KEY = "bench-bare-not-a-deployment-secret-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["rest_framework"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.consultations_bare_urls"
DATABASES: dict = {}
USE_TZ = True
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}

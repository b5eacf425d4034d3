"""Django core: apps, middleware, templates, i18n, static files, logging."""

from pathlib import Path

from backend.console import CONSOLE_DIST, console_add_headers, console_immutable_file_test

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "backend",
    "grids",
    "residents",
    "notifications",
    "appeals",
    "mediation",
    "monthly",
    "consultations",
    "dashboard",
    "resources",
    "linkage",
]

# Session, auth and messages: Django's, skipped by API calls that carry a token and no session
# cookie (backend/middleware.py).
MIDDLEWARE = [
    "backend.middleware.ResponseHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backend.middleware.HostileInputMiddleware",
    "backend.middleware.BodySizeLimitMiddleware",
    "backend.middleware.SessionMiddleware",
    # The API's messages (ours, `Msg`, and DRF's/Django's catalogues) follow Accept-Language, which
    # the console sends with its locale: every /api/ request needs this (or translation.activate of
    # get_language_from_request), tests/backend/test_errors.py checks it end to end.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "backend.middleware.AuthenticationMiddleware",
    "backend.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backend.middleware.InfrastructureErrorMiddleware",
]
# What the `Server` response header says (instead of the server's name and version).
SERVER_HEADER = env_str("SERVER_HEADER", "yuandian")
# Seconds a client is asked to wait (Retry-After) when a backing service is down.
SERVICE_UNAVAILABLE_RETRY_AFTER = env_int("SERVICE_UNAVAILABLE_RETRY_AFTER", 5)

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "backend.asgi.application"
# Each app's WebSocket routes (backend/routing.py composes them, as urls.py includes apps by name).
WEBSOCKET_ROUTES = ["notifications.routing.websocket_urlpatterns"]
AUTH_USER_MODEL = "residents.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# API.md: paths have no trailing slash and a POST must never meet a redirect.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The district's clients speak Chinese; English on request (Accept-Language: en).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# The docs page's assets come from drf-spectacular-sidecar: served by WhiteNoise, no CDN.
WHITENOISE_USE_FINDERS = True
# The staff console's build (console/dist/console/ → /console/), see backend/console.py.
CONSOLE_DIST = Path(env_str("CONSOLE_DIST", str(CONSOLE_DIST)))
WHITENOISE_ROOT = CONSOLE_DIST
WHITENOISE_IMMUTABLE_FILE_TEST = console_immutable_file_test
WHITENOISE_ADD_HEADERS_FUNCTION = console_add_headers
STORAGES = {
    "default": {"BACKEND": env_str("DEFAULT_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Credentials in outbound URLs (secret=, access_token=, key=, sign=, hook tokens) are masked
    # on the root handler and on the HTTP clients' loggers (backend/redaction.py).
    "filters": {"redact": {"()": "backend.redaction.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # httpx logs every request's URL at INFO: a robot webhook's URL holds its key.
        "httpx": {"level": "WARNING", "filters": ["redact"]},
        # PIPL: who looked at whose personal data.
        "personal_data": {"level": "INFO"},
        "httpcore": {"filters": ["redact"]},
    },
}

"""Secrets and the hardening `manage.py check --deploy` asks for.

A deployment is recognised by a real SECRET_KEY in the environment with DEBUG off; then
HTTPS-only cookies, HSTS and the redirect to HTTPS are on (each can be turned off by its own
variable, e.g. behind a proxy that already redirects).
"""

from .base import DEBUG
from .env import env_bool, env_int, env_str, is_set

SECRET_KEY = env_str("SECRET_KEY", "django-insecure-yuandian-embedded-default-do-not-deploy")
DEPLOYED = is_set("SECRET_KEY") and not DEBUG
# Field encryption for phone numbers and ID numbers (PIPL). Falls back to SECRET_KEY.
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY", SECRET_KEY)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", DEPLOYED)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", DEPLOYED)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", DEPLOYED)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if DEPLOYED else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = DEPLOYED
SECURE_HSTS_PRELOAD = DEPLOYED
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Local uploads are served by Django only when not deployed (the embedded demo).
SERVE_MEDIA = env_bool("SERVE_MEDIA", not DEPLOYED)
# /healthz answers the load balancer over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

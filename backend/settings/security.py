"""Secrets and the hardening `manage.py check --deploy` asks for.

A deployment is recognised by a real SECRET_KEY in the environment with DEBUG off; then
HTTPS-only cookies, HSTS and the redirect to HTTPS are on (each can be turned off by its own
variable, e.g. behind a proxy that already redirects).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import DEBUG
from .env import env_bool, env_int, env_list, env_str, is_set

DEV_SECRET_KEY = "django-insecure-yuandian-embedded-default-do-not-deploy"
# The embedded default always encrypted with the secret key: kept, so its data still reads.
DEV_FIELD_ENCRYPTION_KEY = DEV_SECRET_KEY
# Development keys are accepted only by the embedded default (none of DATABASE_URL, REDIS_URL,
# SECRET_KEY set), with
# DEBUG on, or when DEV_KEYS=1 says so (the tests and benchmarks). Anything else is a
# deployment: it must bring its own SECRET_KEY and FIELD_ENCRYPTION_KEYS, or not start. A
# missing key must never mean "sign sessions and encrypt phones with a key in the source".
EMBEDDED = not any(is_set(name) for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"))
DEV_KEYS = DEBUG or EMBEDDED or env_bool("DEV_KEYS", False)

SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY if DEV_KEYS else "")
# Field encryption for phone numbers and ID numbers (PIPL), comma-separated: the first key
# encrypts, every key decrypts (rotation: put the new key first, run `manage.py
# reencrypt_fields`, then drop the old one). FIELD_ENCRYPTION_KEY (one key) is read too.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", env_list("FIELD_ENCRYPTION_KEY", []))
if not FIELD_ENCRYPTION_KEYS and DEV_KEYS:
    FIELD_ENCRYPTION_KEYS = [DEV_FIELD_ENCRYPTION_KEY]
if not DEV_KEYS:
    if not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured("SECRET_KEY must be set to a real secret in a deployment (DEBUG off).")
    if not FIELD_ENCRYPTION_KEYS or DEV_FIELD_ENCRYPTION_KEY in FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in a deployment (DEBUG off).")
    if SECRET_KEY in FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must differ from SECRET_KEY.")
    if any(len(key) < 32 for key in [SECRET_KEY, *FIELD_ENCRYPTION_KEYS]):
        raise ImproperlyConfigured("SECRET_KEY and FIELD_ENCRYPTION_KEYS need at least 32 characters each.")
# Lookup digests (find a phone number without decrypting) and ballot receipts are keyed by one
# key that does not rotate with the encryption keys: pin FIELD_DIGEST_KEY to the current first
# key before rotating, or the digests of stored rows stop matching.
FIELD_DIGEST_KEY = env_str("FIELD_DIGEST_KEY", FIELD_ENCRYPTION_KEYS[0] if FIELD_ENCRYPTION_KEYS else "")
FIELD_ENCRYPTION_KEY = FIELD_DIGEST_KEY  # the older name, read by digest and receipt code
DEPLOYED = is_set("SECRET_KEY") and not DEBUG

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

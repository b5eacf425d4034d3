"""Secrets out of the logs: httpx logs every request's full URL at INFO, and WeChat, 12345 and
the robots take their credentials in the URL (`secret=`, `access_token=`, `key=`, `sign=`, a
Feishu hook token in the path). The filter rewrites each record's message before any handler
formats it; it sits on the root handler and on the HTTP clients' own loggers (so handlers added
later, e.g. by a test runner, also see the redacted text)."""

from __future__ import annotations

import logging
import re

# Query parameters whose values are credentials or one-time codes.
SECRET_PARAMS = (
    "secret",
    "appsecret",
    "access_token",
    "key",
    "js_code",
    "code",
    "sign",
    "signature",
    "token",
    "password",
    "refresh",
)
_QUERY = re.compile(r"(?i)([?&;](?:" + "|".join(SECRET_PARAMS) + r")=)[^&#\s\"'>]*")
# Webhook tokens carried in the path (Feishu/Lark `/open-apis/bot/v2/hook/<token>`).
_PATH = re.compile(r"(?i)(/hook/)[^/?#\s\"'>]+")
MASK = "***"


def redact(text: str) -> str:
    return _PATH.sub(rf"\1{MASK}", _QUERY.sub(rf"\1{MASK}", text))


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


# Loggers of the outbound HTTP clients: the filter is attached to each as well as to the root
# handler (a logger's own filters run for every handler its records reach).
OUTBOUND_LOGGERS = ("httpx", "httpcore", "urllib3")


def install(root_handlers: list[logging.Handler] | None = None) -> None:
    """Attach the filter to the outbound loggers and the root handlers (idempotent)."""
    loggers = [logging.getLogger(name) for name in OUTBOUND_LOGGERS]
    handlers = root_handlers if root_handlers is not None else logging.getLogger().handlers
    for target in [*loggers, *handlers]:
        if not any(isinstance(f, RedactSecretsFilter) for f in target.filters):
            target.addFilter(RedactSecretsFilter())

"""Personal data at rest (PIPL): phone and ID numbers are stored encrypted, found through a
keyed digest, and shown masked.

Own code rather than django-fernet-fields / django-cryptography: both are unmaintained and
neither gives the lookup digest; this is a thin layer over `cryptography`'s (Multi)Fernet.

Keys rotate: FIELD_ENCRYPTION_KEYS lists them, the first encrypts, all decrypt; `manage.py
reencrypt_fields` rewrites every stored value under the first. A value no key decrypts raises
`UndecryptableField`: after a wrong key change, phones and webhooks must fail loudly, not read
as empty strings that the next save would write back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class UndecryptableField(Exception):
    """Stored ciphertext that none of FIELD_ENCRYPTION_KEYS opens (a key was dropped or changed)."""


def _derive(key: str, purpose: bytes) -> bytes:
    return hmac.new(key.encode(), purpose, hashlib.sha256).digest()


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise UndecryptableField("FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derive(k, b"yuandian-field-encryption"))) for k in keys])


def _keys() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_KEYS)


def encrypt(plain: str) -> str:
    return _fernet(_keys()).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise UndecryptableField(
            "a stored encrypted value matches none of FIELD_ENCRYPTION_KEYS (was a key removed?)"
        ) from exc


def rotate(token: str) -> str:
    """The same plain text under the first key (what reencrypt_fields writes)."""
    try:
        return _fernet(_keys()).rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise UndecryptableField("a stored encrypted value matches none of FIELD_ENCRYPTION_KEYS") from exc


def lookup_digest(plain: str) -> str:
    """Keyed, so a leaked table cannot be reversed by hashing every phone number."""
    key = _derive(settings.FIELD_DIGEST_KEY, b"yuandian-lookup")
    return hmac.new(key, normalize_phone(plain).encode(), hashlib.sha256).hexdigest()


def normalize_phone(raw: str) -> str:
    digits = "".join(ch for ch in raw if ch.isdigit() or ch == "+")
    return digits.removeprefix("+86") if digits.startswith("+86") else digits


def mask_phone(phone: str) -> str:
    """138****5678; short numbers keep only their last two digits."""
    if not phone:
        return ""
    if len(phone) >= 7:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * (len(phone) - 2) + phone[-2:]


class EncryptedTextField(models.TextField):
    """Holds ciphertext in the database and plain text in Python."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        return decrypt(value) if value else ""

    def get_prep_value(self, value: Any) -> str:
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""

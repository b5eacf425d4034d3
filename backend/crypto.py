"""Personal data at rest (PIPL): phone and ID numbers are stored encrypted, found through a
keyed digest, and shown masked.

Own code rather than django-fernet-fields / django-cryptography: both are unmaintained and
neither gives the lookup digest; this is a thin layer over `cryptography`'s Fernet.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


def _derive(purpose: bytes) -> bytes:
    key = settings.FIELD_ENCRYPTION_KEY.encode()
    return hmac.new(key, purpose, hashlib.sha256).digest()


@lru_cache(maxsize=4)
def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"yuandian-field-encryption")))


def encrypt(plain: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def lookup_digest(plain: str) -> str:
    """Keyed, so a leaked table cannot be reversed by hashing every phone number."""
    return hmac.new(_derive(b"yuandian-lookup"), normalize_phone(plain).encode(), hashlib.sha256).hexdigest()


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

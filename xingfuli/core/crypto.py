"""Personal data encrypted at rest (Fernet) and looked up by keyed digest (HMAC-SHA256)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@cache
def _key_material() -> bytes:
    raw = settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY
    return hashlib.sha256(("xingfuli-field:" + raw).encode()).digest()


@cache
def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_key_material()))


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def digest(value: str) -> str:
    """A keyed digest: equal values match, but the database alone does not reveal them."""
    if not value:
        return ""
    return hmac.new(_key_material(), value.upper().encode(), hashlib.sha256).hexdigest()

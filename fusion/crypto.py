"""Field encryption (AES-256-GCM, a key id per value) and the keyed national-id blind index.

Stored form: ``<key id>$<base64url(nonce ‖ ciphertext ‖ tag)>``. The first configured key
encrypts; every configured key decrypts, so keys rotate by adding a new first key, running
``manage.py rotate_field_keys`` and then dropping the old key. The column name is bound into
each value as associated data, so a value copied into another column fails to decrypt.
A value that fails to decrypt raises: ciphertext is never returned in place of plaintext.
"""

import base64
import binascii
import hashlib
import hmac
import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


def _b64decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded)


@lru_cache(maxsize=8)
def _parse_keys(spec: str) -> tuple[tuple[str, AESGCM], ...]:
    keys = []
    for item in spec.split(","):
        kid, sep, encoded = item.strip().partition(":")
        if not sep or not kid or "$" in kid:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS: use 'kid:base64key,kid:base64key'")
        try:
            raw = _b64decode(encoded.strip())
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS: key {kid!r} is not base64") from exc
        if len(raw) != 32:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS: key {kid!r} must be 32 bytes")
        keys.append((kid, AESGCM(raw)))
    if len({kid for kid, _ in keys}) != len(keys):
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS: key ids must be unique")
    return tuple(keys)


def _keys() -> tuple[tuple[str, AESGCM], ...]:
    return _parse_keys(settings.FIELD_ENCRYPTION_KEYS)


def current_key_id() -> str:
    """The id of the key that encrypts new values."""
    return _keys()[0][0]


def encrypt(plaintext: str, *, aad: bytes) -> str:
    kid, aead = _keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = aead.encrypt(nonce, plaintext.encode(), aad)
    return f"{kid}${base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def key_id_of(stored: str) -> str:
    return stored.partition("$")[0]


def decrypt(stored: str, *, aad: bytes) -> str:
    kid, sep, body = stored.partition("$")
    aead = dict(_keys()).get(kid)
    if not sep or aead is None:
        raise DecryptionError(f"no configured key {kid!r} for a stored value")
    try:
        raw = _b64decode(body)
        return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad).decode()
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise DecryptionError(f"stored value does not decrypt with key {kid!r}") from exc


@lru_cache(maxsize=4)
def _blind_key(spec: str) -> bytes:
    try:
        key = _b64decode(spec.strip())
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("BLIND_INDEX_KEY must be base64") from exc
    if len(key) < 32:
        raise ImproperlyConfigured("BLIND_INDEX_KEY must be at least 32 bytes")
    return key


def normalise_national_id(value: str) -> str:
    """Digits and letters only, upper case: '42101-1234567-1' and '4210112345671' match."""
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


def blind_index(national_id: str | None) -> str | None:
    """HMAC-SHA256 of the normalised national id under its own key (None for no id)."""
    if not national_id or not normalise_national_id(national_id):
        return None
    key = _blind_key(settings.BLIND_INDEX_KEY)
    digest = hmac.new(key, normalise_national_id(national_id).encode(), hashlib.sha256)
    return digest.hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; reads decrypt, writes encrypt. Not searchable."""

    def contribute_to_class(self, cls: type[models.Model], name: str, **kwargs: object) -> None:
        super().contribute_to_class(cls, name, **kwargs)
        self._aad = f"{cls._meta.label_lower}.{name}".encode()

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str:
        if value is None or value == "":
            return value
        return decrypt(value, aad=self._aad)

    def get_prep_value(self, value: object) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value), aad=self._aad)

    def reencrypt(self, stored: str) -> str:
        """The stored value re-encrypted under the current key."""
        return encrypt(decrypt(stored, aad=self._aad), aad=self._aad)

"""Personal data at rest (个人敏感信息加密存储): AES-256-GCM with rotating keys, and keyed
hashes to find an encrypted value.

A stored value is ``<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>``: the key id says
which key of ``TALENT_DATA_KEYS`` opens it, so a new key (``TALENT_DATA_KEY_ID``) takes
over new writes while every listed key still reads, and ``talent keys rotate``
re-encrypts old rows under the new one (README: Keys and their rotation). The nonce is
random per value, so equal identity numbers encrypt differently and a column cannot be
searched: each value that is looked up has a companion ``<field>_hash`` column holding
HMAC-SHA256 under ``TALENT_LOOKUP_KEY`` (a separate key: rotating the data keys does not
touch the hashes), and queries filter on it (:func:`lookup_hash`).

The model side:

- :class:`EncryptedTextField` encrypts on save and decrypts on load. Filtering on it
  raises (a random nonce never matches): filter on its hash column instead.
- :class:`EncryptedJSONField` does the same for a JSON object or list (the recognised
  fields of a certificate, a dossier's sections): the column is TEXT holding the
  encrypted JSON text, so the database can neither filter nor index into it. Code that
  needs a value inside reads the row and looks in Python. A column still holding the
  plain JSON that ``JSONField`` wrote reads as it is, and ``talent keys rotate``
  encrypts it.
- :class:`LookupHashed` models fill their hash columns when built and when saved,
  ``bulk_create`` included. A queryset ``update()`` of an encrypted field bypasses
  both: update it through the instance (``save(update_fields=[...])``).

Development without configured keys derives both from ``TALENT_SECRET_KEY``; the
production profile refuses to start without real ones (``Settings.check``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from core.settings import Settings, get_settings

NONCE_BYTES = 12
DEV_KEY_ID = "dev"
# A stored value starts with its key id and ":"; plain JSON starts with "{" or "[". Key
# ids from this alphabet keep the two apart (EncryptedJSONField reads both).
KEY_ID = re.compile(r"[A-Za-z0-9._-]+")


class DataKeyError(RuntimeError):
    """A value names a key that is not configured, or does not open with it."""


def _derive(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), f"talent:{purpose}".encode(), hashlib.sha256).digest()


def _decode_key(key_id: str, text: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"data key {key_id!r} is not base64") from exc
    if len(key) != 32:
        raise ValueError(f"data key {key_id!r} must be 32 bytes (AES-256), not {len(key)}")
    return key


@dataclass(frozen=True)
class DataCipher:
    keys: Mapping[str, bytes]
    current: str
    lookup_key: bytes
    _aead: dict[str, AESGCM] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One AES-GCM object per key: its key schedule is built once, not per value.
        object.__setattr__(self, "_aead", {k: AESGCM(v) for k, v in self.keys.items()})
        if self.current not in self.keys:
            raise ValueError(f"TALENT_DATA_KEY_ID {self.current!r} is not in TALENT_DATA_KEYS")
        for key_id in self.keys:
            if not KEY_ID.fullmatch(key_id):
                raise ValueError(f"a data key id is letters, digits, '.', '_' or '-' ({key_id!r})")

    @classmethod
    def from_settings(cls, settings: Settings) -> DataCipher:
        if settings.data_keys:
            keys = {k: _decode_key(k, v) for k, v in settings.data_keys.items()}
            current = settings.data_key_id or next(iter(keys))
        else:
            keys = {DEV_KEY_ID: _derive(settings.secret_key, "data-key")}
            current = DEV_KEY_ID
        lookup = (
            settings.lookup_key.encode()
            if settings.lookup_key
            else _derive(settings.secret_key, "lookup-key")
        )
        return cls(keys=keys, current=current, lookup_key=lookup)

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self.current].encrypt(nonce, plaintext.encode(), None)
        return f"{self.current}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str) -> str:
        key_id, sep, body = stored.partition(":")
        if not sep or key_id not in self.keys:
            raise DataKeyError(f"no data key {key_id!r} configured for a stored value")
        try:
            raw = base64.urlsafe_b64decode(body)
            opened = self._aead[key_id].decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None)
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise DataKeyError(f"a stored value does not open with data key {key_id!r}") from exc
        return opened.decode()

    def lookup_hash(self, value: str) -> str:
        normalised = value.strip().upper()
        return hmac.new(self.lookup_key, normalised.encode(), hashlib.sha256).hexdigest()


_cipher: DataCipher | None = None


def configure(settings: Settings) -> DataCipher:
    """Use ``settings``' keys in this process (``build_services`` calls it: the app and
    the command line alike)."""
    global _cipher
    _cipher = DataCipher.from_settings(settings)
    return _cipher


def cipher() -> DataCipher:
    return _cipher or configure(get_settings())


def lookup_hash(value: str) -> str:
    """The keyed hash a ``<field>_hash`` column holds: filter on it to find ``value``."""
    return cipher().lookup_hash(value)


def new_key() -> str:
    """A fresh random AES-256 key, base64 (``talent keys new``)."""
    return base64.b64encode(os.urandom(32)).decode()


def seal_json(value: Any) -> str:
    """``value`` as compact JSON text (Chinese kept as it is, not ``\\uXXXX``), encrypted."""
    return cipher().encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def open_json(stored: str | bytes) -> Any:
    """The value :func:`seal_json` stored; plain JSON (written before the column was
    encrypted) is read as it is."""
    text = stored.decode() if isinstance(stored, bytes) else stored
    if text.lstrip()[:1] in ("{", "["):
        return json.loads(text)
    return json.loads(cipher().decrypt(text))


class EncryptedTextField(fields.TextField):
    """A text column stored encrypted (:class:`DataCipher`); see the module docstring."""

    def to_db_value(self, value: Any, instance: type[Model] | Model | None) -> str | None:
        if value is None:
            return None
        if isinstance(instance, type):
            # A filter: ciphertexts carry a random nonce, so equality can never match.
            raise TypeError(
                f"{instance.__name__}.{self.model_field_name} is encrypted: "
                f"filter on {self.model_field_name}_hash=lookup_hash(...)"
            )
        return cipher().encrypt(str(value))

    def to_python_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return cipher().decrypt(value) if isinstance(value, str) and ":" in value else value


class EncryptedJSONField(EncryptedTextField):
    """A JSON object or list stored encrypted as text (:func:`seal_json`); see the module
    docstring. Assigning a value keeps it as it is; a loaded value is opened when the
    attribute is first read (:class:`OpenedOnRead`), not when the row is loaded."""

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        # tortoise-orm names the model class once it is made: the attribute of that name
        # then opens the stored value on first read.
        if name == "model" and isinstance(value, type) and self.model_field_name:
            setattr(value, self.model_field_name, OpenedOnRead(self.model_field_name))

    def to_db_value(self, value: Any, instance: type[Model] | Model | None) -> str | None:
        if value is None:
            return None
        if isinstance(instance, type):
            raise TypeError(
                f"{instance.__name__}.{self.model_field_name} is encrypted JSON: "
                "read the rows and look inside in Python"
            )
        if isinstance(value, Sealed):  # loaded, never read: sealed again as it is now
            value = open_json(value.stored)
        return seal_json(value)

    def to_python_value(self, value: Any) -> Any:
        if value is None or isinstance(value, dict | list):
            return value
        return Sealed(value.decode() if isinstance(value, bytes) else str(value))


@dataclass(frozen=True, slots=True)
class Sealed:
    """An encrypted JSON column's value as loaded, not opened yet."""

    stored: str


class OpenedOnRead:
    """The model attribute of an :class:`EncryptedJSONField`.

    Why: a list loads many rows (a reviewer's page of 100 cases has some 500 materials)
    and most requests ask for none of their recognised fields; opening each one on load
    (AES-GCM, then JSON) was about half of such a page's time (docs/performance.md).
    The first read opens the value and keeps it; an assignment replaces it.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        values = instance.__dict__
        if self.name not in values:
            raise AttributeError(self.name)
        value = values[self.name]
        if isinstance(value, Sealed):
            value = values[self.name] = open_json(value.stored)
        return value

    def __set__(self, instance: object, value: Any) -> None:
        instance.__dict__[self.name] = value


class LookupHashed(Model):
    """A model whose ``HASHED`` encrypted fields keep a ``<field>_hash`` beside them."""

    HASHED: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._fill_hashes()

    def _fill_hashes(self) -> None:
        for name in self.HASHED:
            value = getattr(self, name, None)
            setattr(self, f"{name}_hash", None if value is None else lookup_hash(str(value)))

    async def save(
        self,
        using_db: BaseDBAsyncClient | None = None,
        update_fields: Iterable[str] | None = None,
        force_create: bool = False,
        force_update: bool = False,
    ) -> None:
        self._fill_hashes()
        if update_fields is not None:
            chosen = set(update_fields)
            update_fields = chosen | {f"{n}_hash" for n in self.HASHED if n in chosen}
        await super().save(
            using_db=using_db,
            update_fields=update_fields,
            force_create=force_create,
            force_update=force_update,
        )

    class Meta:
        abstract = True

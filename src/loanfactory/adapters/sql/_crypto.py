"""Encryption at rest of personal data (个人信息加密存储), with key rotation.

``LOANFACTORY_PII_KEY`` holds one key or several, newest first, separated by commas (each 32
random bytes as base64 or 64 hex digits: ``python -c "import os, base64;
print(base64.b64encode(os.urandom(32)).decode())"``). The fields a table mapping marks as personal
data are stored as ``enc:v2:<key id>:<base64 nonce+ciphertext>`` (AES-256-GCM) under the newest
key; every key listed decrypts. The entity kind, id and field path are the associated data, so a
ciphertext copied into another row or field does not decrypt. Indexed personal columns hold a
keyed hash (HMAC-SHA-256, ``hmac:...``) made with the newest key; a look-up matches the hash of
every key listed, so rows written under an older key are still found.

Rotating: put the new key first in every process's ``LOANFACTORY_PII_KEY`` (the old one after
it), then run ``loanfactory db rotate-pii-key`` (:func:`~loanfactory.adapters.sql.rotate_pii_key`),
which rewrites every value and look-up hash not yet under the newest key (values written in
clear before encryption was switched on included); when it reports nothing left under the old
key, drop that key from the list.

Values written before encryption (plain values) stay readable; ``enc:v1:`` values (no key id,
written before rotation existed) decrypt with whichever key listed opens them. A ciphertext read
without a key, or whose key is not listed, is an error, never silently returned.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from loanfactory.errors import InvalidInput, StateConflict

ENV_KEY = "LOANFACTORY_PII_KEY"
PREFIX = "enc:v2:"
LEGACY_PREFIX = "enc:v1:"  # before key ids: one key, tried with each key listed
BLIND_PREFIX = "hmac:"
_SPLIT = re.compile(r"[,\s]+")


@dataclass(frozen=True, slots=True)
class _Key:
    id: str
    aead: AESGCM
    index_key: bytes


def key_id(key: bytes) -> str:
    """A short public name of a key (a digest: it reveals nothing of the key)."""
    return hashlib.sha256(b"loanfactory pii key id\x00" + key).hexdigest()[:12]


class PiiCipher:
    """AES-256-GCM for personal fields and HMAC-SHA-256 for their look-up columns.

    ``keys``: one key, or several newest first; the first encrypts and makes look-up hashes,
    all of them decrypt and match.
    """

    def __init__(self, keys: bytes | Sequence[bytes]) -> None:
        listed = [keys] if isinstance(keys, bytes) else list(keys)
        if not listed:
            raise InvalidInput("no PII key given", field=ENV_KEY, message_zh="未提供个人信息密钥")
        for key in listed:
            if len(key) != 32:
                raise InvalidInput(
                    "the PII key must be 32 bytes (base64 of 32 random bytes)",
                    field=ENV_KEY,
                    message_zh="个人信息密钥必须是 32 字节（32 个随机字节的 base64）",
                )
        self._keys = [
            _Key(key_id(k), AESGCM(k), hmac.new(k, b"loanfactory blind index v1", hashlib.sha256).digest())
            for k in dict.fromkeys(listed)  # a key listed twice counts once
        ]
        self._by_id = {k.id: k for k in self._keys}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PiiCipher | None:
        """The cipher for ``$LOANFACTORY_PII_KEY`` (keys newest first, comma-separated), or None."""
        env = os.environ if environ is None else environ
        parts = [p for p in _SPLIT.split(env.get(ENV_KEY, "")) if p]
        if not parts:
            return None
        return cls([_decode_key(part, index) for index, part in enumerate(parts)])

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ids of the keys, newest (the one that encrypts) first."""
        return tuple(k.id for k in self._keys)

    def encrypt(self, value: Any, context: str) -> str:
        key = self._keys[0]
        nonce = os.urandom(12)
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        sealed = key.aead.encrypt(nonce, plain, context.encode())
        return f"{PREFIX}{key.id}:" + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, value: Any, context: str) -> Any:
        if not is_sealed(value):
            return value  # written before encryption was switched on
        if value.startswith(PREFIX):
            kid, _, payload = value[len(PREFIX) :].partition(":")
            key = self._by_id.get(kid)
            if key is None:
                raise StateConflict(
                    f"personal data at {context} is encrypted with key {kid}, which {ENV_KEY} does not list",
                    field=ENV_KEY,
                    message_zh=f"{context} 的个人信息由密钥 {kid} 加密，但 {ENV_KEY} 中没有该密钥",
                )
            candidates = [key]
        else:
            payload, candidates = value[len(LEGACY_PREFIX) :], self._keys
        raw = base64.b64decode(payload)
        for key in candidates:
            try:
                plain = key.aead.decrypt(raw[:12], raw[12:], context.encode())
            except InvalidTag:
                continue
            return json.loads(plain)
        raise StateConflict(
            f"personal data at {context} does not decrypt with the keys given "
            "(wrong key, or the value was moved or altered)",
            field=ENV_KEY,
            message_zh=f"{context} 的个人信息无法用所给密钥解密（密钥错误，或数据被移动或篡改）",
        )

    def is_current(self, value: Any) -> bool:
        """Whether a stored value is sealed under the newest key (else a rotation rewrites it)."""
        return isinstance(value, str) and value.startswith(f"{PREFIX}{self._keys[0].id}:")

    def blind(self, value: str) -> str:
        """The keyed hash stored in an indexed personal column (newest key)."""
        return self.blinds(value)[0]

    def blinds(self, value: str) -> tuple[str, ...]:
        """The keyed hash of ``value`` under every key, newest first (what a look-up matches)."""
        data = value.encode()
        return tuple(BLIND_PREFIX + hmac.new(k.index_key, data, "sha256").hexdigest() for k in self._keys)

    def __repr__(self) -> str:
        return f"PiiCipher(<{len(self._keys)} key(s) hidden>)"


def _decode_key(text: str, index: int) -> bytes:
    if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text):
        return bytes.fromhex(text)  # 64 hex digits (also valid base64, so tried first)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            f"{ENV_KEY}: key {index + 1} is neither base64 nor 64 hex digits",
            field=ENV_KEY,
            message_zh=f"{ENV_KEY}：第 {index + 1} 个密钥既不是 base64 也不是 64 位十六进制",
        ) from None


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith((PREFIX, LEGACY_PREFIX))


def refuse_sealed(value: Any, context: str) -> Any:
    """Without a key: plain values pass, ciphertexts are an error."""
    if is_sealed(value):
        raise StateConflict(
            f"personal data at {context} is encrypted and {ENV_KEY} is not set",
            field=ENV_KEY,
            message_zh=f"{context} 的个人信息已加密，但未设置 {ENV_KEY}",
        )
    return value

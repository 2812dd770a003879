"""Encryption at rest of personal data (个人信息加密存储), optional.

With ``LOANFACTORY_PII_KEY`` set (32 random bytes, base64: ``python -c "import os, base64;
print(base64.b64encode(os.urandom(32)).decode())"``), the fields a table mapping marks as personal
data are stored as ``enc:v1:<base64 nonce+ciphertext>`` (AES-256-GCM). The entity kind, id and
field path are the associated data, so a ciphertext copied into another row or field does not
decrypt. Indexed personal columns hold a keyed hash (HMAC-SHA-256, ``hmac:...``) instead of the
value, so look-ups by ID number still work without storing it.

Values written before the key was set stay readable (plain values pass through); a ciphertext
read without the key is an error, never silently returned.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from loanfactory.errors import InvalidInput, StateConflict

ENV_KEY = "LOANFACTORY_PII_KEY"
PREFIX = "enc:v1:"
BLIND_PREFIX = "hmac:"


class PiiCipher:
    """AES-256-GCM for personal fields and HMAC-SHA-256 for their look-up columns."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise InvalidInput(
                "the PII key must be 32 bytes (base64 of 32 random bytes)",
                field=ENV_KEY,
                message_zh="个人信息密钥必须是 32 字节（32 个随机字节的 base64）",
            )
        self._aead = AESGCM(key)
        self._index_key = hmac.new(key, b"loanfactory blind index v1", hashlib.sha256).digest()

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> PiiCipher | None:
        """The cipher for ``$LOANFACTORY_PII_KEY``, or None when it is not set."""
        env = os.environ if environ is None else environ
        text = env.get(ENV_KEY, "").strip()
        if not text:
            return None
        if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text):
            return cls(bytes.fromhex(text))  # 64 hex digits (also valid base64, so tried first)
        try:
            key = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(f"{ENV_KEY} is neither base64 nor 64 hex digits", field=ENV_KEY) from None
        return cls(key)

    def encrypt(self, value: Any, context: str) -> str:
        nonce = os.urandom(12)
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        sealed = self._aead.encrypt(nonce, plain, context.encode())
        return PREFIX + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, value: Any, context: str) -> Any:
        if not is_sealed(value):
            return value  # written before encryption was switched on
        raw = base64.b64decode(value[len(PREFIX) :])
        try:
            plain = self._aead.decrypt(raw[:12], raw[12:], context.encode())
        except InvalidTag:
            raise StateConflict(
                f"personal data at {context} does not decrypt with this key "
                "(wrong key, or the value was moved or altered)",
                field=ENV_KEY,
            ) from None
        return json.loads(plain)

    def blind(self, value: str) -> str:
        """The keyed hash stored in an indexed personal column."""
        return BLIND_PREFIX + hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "PiiCipher(<key hidden>)"


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def refuse_sealed(value: Any, context: str) -> Any:
    """Without a key: plain values pass, ciphertexts are an error."""
    if is_sealed(value):
        raise StateConflict(
            f"personal data at {context} is encrypted and {ENV_KEY} is not set",
            field=ENV_KEY,
            message_zh=f"{context} 的个人信息已加密，但未设置 {ENV_KEY}",
        )
    return value

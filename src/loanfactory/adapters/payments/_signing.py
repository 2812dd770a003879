"""Signed messages between the lender and a payment system (报文签名): HMAC-SHA256 or Ed25519.

Every request the lender sends and every answer or callback the payment system sends carries
four headers::

    X-Signature-Key:        the key id (which key signed; the verifier's table says its algorithm)
    X-Signature-Timestamp:  Unix seconds when it was signed
    X-Signature-Nonce:      16-64 characters [A-Za-z0-9_-], never used twice
    X-Signature:            base64 of the signature over  "<timestamp>\\n<nonce>\\n" + body bytes

The algorithm comes from the verifier's own key table, never from the message, so a message
cannot choose a weaker check. A :class:`Verifier` refuses a missing or malformed header, an
unknown key, a bad signature and a timestamp outside its tolerance (default five minutes either
way); it does not remember nonces — whoever acts on a message records its nonce together with
the action (servicing's ``apply_payment_result(message_id=...)``), so a replay is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from loanfactory.adapters.clock import SystemClock
from loanfactory.entity import CST
from loanfactory.errors import LoanfactoryError
from loanfactory.ports import Clock

KEY_HEADER = "X-Signature-Key"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
NONCE_HEADER = "X-Signature-Nonce"
SIGNATURE_HEADER = "X-Signature"
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_KEY_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class SigningKey(Protocol):
    """A key that signs and verifies messages."""

    @property
    def key_id(self) -> str: ...

    @property
    def algorithm(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...

    def verify(self, message: bytes, signature: bytes) -> bool: ...


@dataclass(frozen=True)
class HmacKey:
    """A shared secret (HMAC-SHA256); both sides hold it."""

    key_id: str
    secret: bytes = field(repr=False)
    algorithm: str = field(default="hmac-sha256", init=False)

    def __post_init__(self) -> None:
        _check_key_id(self.key_id)
        if len(self.secret) < 32:
            raise ValueError(f"key {self.key_id}: an HMAC secret is at least 32 bytes")

    def sign(self, message: bytes) -> bytes:
        return hmac.new(self.secret, message, hashlib.sha256).digest()

    def verify(self, message: bytes, signature: bytes) -> bool:
        return hmac.compare_digest(self.sign(message), signature)


class Ed25519Key:
    """An Ed25519 key pair (RFC 8032): the private key signs, the public key verifies.

    The payment system keeps its private key and gives the lender the public one, so a leaked
    copy of the lender's configuration cannot forge callbacks.
    """

    algorithm = "ed25519"

    def __init__(self, key_id: str, *, private: bytes | None = None, public: bytes | None = None) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

        _check_key_id(key_id)
        self.key_id = key_id
        self._private = Ed25519PrivateKey.from_private_bytes(private) if private is not None else None
        if public is not None:
            self._public = Ed25519PublicKey.from_public_bytes(public)
        elif self._private is not None:
            self._public = self._private.public_key()
        else:
            raise ValueError(f"key {key_id}: give the private or the public key")

    @classmethod
    def generate(cls, key_id: str) -> Ed25519Key:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

        raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(key_id, private=raw)

    def public_bytes(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return self._public.public_bytes(Encoding.Raw, PublicFormat.Raw)

    def private_bytes(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

        if self._private is None:
            raise ValueError(f"key {self.key_id} holds only the public key")
        return self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    def public_only(self) -> Ed25519Key:
        return Ed25519Key(self.key_id, public=self.public_bytes())

    def sign(self, message: bytes) -> bytes:
        if self._private is None:
            raise ValueError(f"key {self.key_id} holds only the public key; it cannot sign")
        return self._private.sign(message)

    def verify(self, message: bytes, signature: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature

        try:
            self._public.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return f"Ed25519Key({self.key_id!r}, private={'yes' if self._private else 'no'})"


def signed_bytes(timestamp: str, nonce: str, body: bytes) -> bytes:
    """What a signature covers: the timestamp, the nonce and the exact body bytes."""
    return f"{timestamp}\n{nonce}\n".encode("ascii") + body


class Signer:
    """Signs outgoing messages with one key."""

    def __init__(self, key: SigningKey, *, clock: Clock | None = None) -> None:
        self.key = key
        self.clock = clock or SystemClock()

    def headers(self, body: bytes, *, nonce: str | None = None, at: datetime | None = None) -> dict[str, str]:
        """The signature headers for ``body`` (a fresh nonce unless one is given)."""
        timestamp = str(int((at or self.clock.now()).timestamp()))
        nonce = nonce or secrets.token_urlsafe(18)
        signature = self.key.sign(signed_bytes(timestamp, nonce, body))
        return {
            KEY_HEADER: self.key.key_id,
            TIMESTAMP_HEADER: timestamp,
            NONCE_HEADER: nonce,
            SIGNATURE_HEADER: base64.b64encode(signature).decode("ascii"),
        }


@dataclass(frozen=True, slots=True)
class SignedMessage:
    """Who signed a verified message, when, and its nonce."""

    key_id: str
    signed_at: datetime
    nonce: str

    @property
    def message_id(self) -> str:
        """The id under which the message is accepted once (key and nonce)."""
        return f"{self.key_id}:{self.nonce}"


class SignatureRefused(LoanfactoryError):
    """A message whose signature, key, timestamp or nonce does not hold (answered 401 over HTTP)."""

    code = "signature-invalid"


class Verifier:
    """Checks incoming messages against a table of keys (several, for rotation)."""

    def __init__(
        self,
        keys: Iterable[SigningKey],
        *,
        clock: Clock | None = None,
        tolerance: timedelta = timedelta(minutes=5),
    ) -> None:
        self.keys = {key.key_id: key for key in keys}
        if not self.keys:
            raise ValueError("a verifier needs at least one key")
        self.clock = clock or SystemClock()
        self.tolerance = tolerance

    def verify(self, headers: Mapping[str, str], body: bytes) -> SignedMessage:
        """The signer and nonce of a genuine, fresh message; :class:`SignatureRefused` otherwise."""
        lower = {k.lower(): v for k, v in headers.items()}
        values = [
            lower.get(h.lower(), "") for h in (KEY_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)
        ]
        key_id, timestamp, nonce, signature = values
        if not all(values):
            raise SignatureRefused(code="signature-missing")
        key = self.keys.get(key_id)
        if key is None:
            raise SignatureRefused(
                f"unknown signing key '{key_id[:64]}'",
                code="signature-unknown-key",
                message_zh="未知的签名密钥",
            )
        if not timestamp.isdigit() or len(timestamp) > 12 or not _NONCE.match(nonce):
            raise SignatureRefused(code="signature-malformed")
        try:
            raw = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if not raw or not key.verify(signed_bytes(timestamp, nonce, body), raw):
            raise SignatureRefused("the signature does not match", message_zh="签名验证失败")
        signed_at = datetime.fromtimestamp(int(timestamp), CST)
        if abs(self.clock.now() - signed_at) > self.tolerance:
            raise SignatureRefused(
                f"the message was signed at {signed_at.isoformat()}, outside the accepted window",
                code="signature-stale",
                message_zh="报文签名时间已过期或超前",
            )
        return SignedMessage(key_id, signed_at, nonce)


def _check_key_id(key_id: str) -> None:
    if not _KEY_ID.match(key_id):
        raise ValueError(f"a key id is 1-64 characters of [A-Za-z0-9_.:-], got {key_id!r}")

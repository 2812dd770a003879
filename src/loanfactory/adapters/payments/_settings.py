"""The payment gateway from the environment, for ``loanfactory serve`` (``build_server``).

=================================  =============================================================
``LOANFACTORY_GATEWAY_URL``        the payment system's API, e.g. ``https://pay.example.com/v1``
``LOANFACTORY_GATEWAY_KEY``        the lender's signing key: ``id:hmac:<hex secret>`` or
                                   ``id:ed25519:<base64 private key>``
``LOANFACTORY_GATEWAY_PEER_KEYS``  the payment system's keys, comma-separated (answers and
                                   callbacks): ``id:hmac:<hex secret>`` or
                                   ``id:ed25519:<base64 public key>``; several for rotation
``LOANFACTORY_GATEWAY_TIMEOUT``    seconds per call (default 5)
=================================  =============================================================

Without ``LOANFACTORY_GATEWAY_URL`` the server needs a gateway given to it, or ``--simulate``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

from loanfactory.adapters.payments._gateway import HttpPaymentGateway
from loanfactory.adapters.payments._signing import Ed25519Key, HmacKey, Signer, SigningKey, Verifier
from loanfactory.ports import Clock

URL = "LOANFACTORY_GATEWAY_URL"
KEY = "LOANFACTORY_GATEWAY_KEY"
PEER_KEYS = "LOANFACTORY_GATEWAY_PEER_KEYS"
TIMEOUT = "LOANFACTORY_GATEWAY_TIMEOUT"


@dataclass(frozen=True)
class PaymentConnection:
    """The gateway client and the verifier of the payment system's callbacks."""

    gateway: HttpPaymentGateway
    callbacks: Verifier


def parse_key(text: str, *, private: bool) -> SigningKey:
    """A key from ``id:hmac:<hex>`` or ``id:ed25519:<base64>`` (private or public bytes)."""
    parts = text.strip().split(":")
    if len(parts) != 3:
        raise ValueError("a gateway key is 'id:hmac:<hex secret>' or 'id:ed25519:<base64 key>'")
    key_id, kind, material = parts
    try:
        if kind == "hmac":
            return HmacKey(key_id, bytes.fromhex(material))
        if kind == "ed25519":
            raw = base64.b64decode(material, validate=True)
            return Ed25519Key(key_id, private=raw) if private else Ed25519Key(key_id, public=raw)
    except (ValueError, binascii.Error) as exc:
        raise ValueError(f"gateway key '{key_id}': {exc}") from None
    raise ValueError(f"gateway key '{key_id}': the kind is 'hmac' or 'ed25519', not '{kind}'")


def payments_from_env(environ: Mapping[str, str], clock: Clock | None = None) -> PaymentConnection | None:
    """The HTTP gateway the environment configures, or None when it names none."""
    url = environ.get(URL, "").strip()
    if not url:
        return None
    if not environ.get(KEY) or not environ.get(PEER_KEYS):
        raise ValueError(f"{URL} is set: set {KEY} and {PEER_KEYS} too")
    signer = Signer(parse_key(environ[KEY], private=True))
    peers = [parse_key(part, private=False) for part in environ[PEER_KEYS].split(",") if part.strip()]
    verifier = Verifier(peers, clock=clock)
    timeout = float(environ.get(TIMEOUT, "5"))
    gateway = HttpPaymentGateway(url, signer=signer, verifier=verifier, timeout=timeout)
    return PaymentConnection(gateway, verifier)

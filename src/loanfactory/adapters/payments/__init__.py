"""A generic HTTP payment gateway (支付通道): signed requests out, signed answers and callbacks in.

:class:`HttpPaymentGateway` implements :class:`loanfactory.ports.PaymentGateway` over a payment
system's JSON API; :class:`Signer` and :class:`Verifier` sign and check messages with
:class:`HmacKey` (HMAC-SHA256) or :class:`Ed25519Key`. The HTTP API's
``POST /v1/payments/callbacks`` checks callbacks with the same :class:`Verifier`.
See ``docs/http-api.md`` ("Payment gateway") for the wire format.
"""

from __future__ import annotations

from loanfactory.adapters.payments._gateway import HttpPaymentGateway
from loanfactory.adapters.payments._settings import PaymentConnection, parse_key, payments_from_env
from loanfactory.adapters.payments._signing import (
    KEY_HEADER,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Ed25519Key,
    HmacKey,
    SignatureRefused,
    SignedMessage,
    Signer,
    SigningKey,
    Verifier,
    signed_bytes,
)

__all__ = [
    "KEY_HEADER",
    "NONCE_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Ed25519Key",
    "HmacKey",
    "HttpPaymentGateway",
    "PaymentConnection",
    "SignatureRefused",
    "SignedMessage",
    "Signer",
    "SigningKey",
    "Verifier",
    "parse_key",
    "payments_from_env",
    "signed_bytes",
]

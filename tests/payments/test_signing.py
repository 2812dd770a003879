"""Signed messages: HMAC-SHA256 and Ed25519 signatures over timestamp, nonce and body, checked
against independently computed ones; forged, tampered, stale, unknown-key and malformed messages
are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from loanfactory.adapters.payments import (
    Ed25519Key,
    HmacKey,
    SignatureRefused,
    Signer,
    Verifier,
    parse_key,
    payments_from_env,
)
from loanfactory.entity import CST
from loanfactory.testing import FixedClock

NOW = datetime(2026, 3, 5, 10, 0, tzinfo=CST)
SECRET = bytes(range(32))
BODY = b'{"instruction_id": "col_1", "status": "succeeded", "amount": "100.00"}'


def clock() -> FixedClock:
    return FixedClock(NOW)


def test_an_hmac_signature_is_the_documented_one() -> None:
    headers = Signer(HmacKey("lender-1", SECRET), clock=clock()).headers(BODY, nonce="n" * 16)
    timestamp = str(int(NOW.timestamp()))
    expected = hmac.new(SECRET, f"{timestamp}\n{'n' * 16}\n".encode() + BODY, hashlib.sha256).digest()
    assert headers == {
        "X-Signature-Key": "lender-1",
        "X-Signature-Timestamp": timestamp,
        "X-Signature-Nonce": "n" * 16,
        "X-Signature": base64.b64encode(expected).decode(),
    }
    signed = Verifier([HmacKey("lender-1", SECRET)], clock=clock()).verify(headers, BODY)
    assert (signed.key_id, signed.nonce, signed.signed_at) == ("lender-1", "n" * 16, NOW)


def test_an_ed25519_signature_verifies_with_the_public_key_only() -> None:
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    headers = Signer(Ed25519Key("paysys-1", private=raw), clock=clock()).headers(BODY)
    message = f"{headers['X-Signature-Timestamp']}\n{headers['X-Signature-Nonce']}\n".encode() + BODY
    Ed25519PublicKey.from_public_bytes(public).verify(base64.b64decode(headers["X-Signature"]), message)
    verifier = Verifier([Ed25519Key("paysys-1", public=public)], clock=clock())
    assert verifier.verify({k.lower(): v for k, v in headers.items()}, BODY).key_id == "paysys-1"
    with pytest.raises(ValueError, match="cannot sign"):
        Ed25519Key("paysys-1", public=public).sign(BODY)


def _refused(verifier: Verifier, headers: dict[str, str], body: bytes = BODY) -> str:
    with pytest.raises(SignatureRefused) as caught:
        verifier.verify(headers, body)
    return caught.value.code


def test_forged_tampered_stale_and_malformed_messages_are_refused() -> None:
    key = HmacKey("lender-1", SECRET)
    verifier = Verifier([key], clock=clock())
    good = Signer(key, clock=clock()).headers(BODY)
    assert _refused(verifier, {}) == "signature-missing"
    assert _refused(verifier, {**good, "X-Signature": ""}) == "signature-missing"
    assert _refused(verifier, good, BODY.replace(b"100.00", b"900.00")) == "signature-invalid"
    assert (
        _refused(verifier, {**good, "X-Signature": base64.b64encode(b"x" * 32).decode()})
        == "signature-invalid"
    )
    assert _refused(verifier, {**good, "X-Signature": "not base64 !"}) == "signature-invalid"
    other = Signer(HmacKey("lender-1", b"\x01" * 32), clock=clock()).headers(BODY)
    assert _refused(verifier, other) == "signature-invalid"
    assert _refused(verifier, {**good, "X-Signature-Key": "intruder"}) == "signature-unknown-key"
    assert _refused(verifier, {**good, "X-Signature-Nonce": "short"}) == "signature-malformed"
    assert _refused(verifier, {**good, "X-Signature-Timestamp": "-1"}) == "signature-malformed"
    stale = Signer(key, clock=FixedClock(NOW - timedelta(minutes=6))).headers(BODY)
    assert _refused(verifier, stale) == "signature-stale"
    ahead = Signer(key, clock=FixedClock(NOW + timedelta(minutes=6))).headers(BODY)
    assert _refused(verifier, ahead) == "signature-stale"
    within = Signer(key, clock=FixedClock(NOW - timedelta(minutes=4))).headers(BODY)
    assert verifier.verify(within, BODY).key_id == "lender-1"


def test_an_hmac_key_cannot_pass_for_an_ed25519_one() -> None:
    """The verifier's table decides the algorithm: an HMAC made with the public key bytes fails."""
    pair = Ed25519Key.generate("paysys-1")
    verifier = Verifier([pair.public_only()], clock=clock())
    confused = Signer(HmacKey("paysys-1", pair.public_bytes()), clock=clock()).headers(BODY)
    assert _refused(verifier, confused) == "signature-invalid"


@settings(max_examples=50, deadline=None)
@given(body=st.binary(max_size=200), flip=st.integers(0, 10_000))
def test_any_change_to_a_signed_body_is_detected(body: bytes, flip: int) -> None:
    key = HmacKey("k", SECRET)
    headers = Signer(key, clock=clock()).headers(body)
    verifier = Verifier([key], clock=clock())
    assert verifier.verify(headers, body).key_id == "k"
    changed = bytearray(body or b"\x00")
    changed[flip % len(changed)] ^= 1 + flip % 255
    if bytes(changed) != body:
        with pytest.raises(SignatureRefused):
            verifier.verify(headers, bytes(changed))


def test_keys_from_text_and_the_environment() -> None:
    assert isinstance(parse_key(f"k1:hmac:{SECRET.hex()}", private=True), HmacKey)
    pair = Ed25519Key.generate("p1")
    public = parse_key(f"p1:ed25519:{base64.b64encode(pair.public_bytes()).decode()}", private=False)
    assert public.verify(b"m", pair.sign(b"m"))
    for bad in ("k1:hmac", "k1:rsa:00", "k1:hmac:zz", "k1:hmac:00", "bad id!:hmac:" + SECRET.hex()):
        with pytest.raises(ValueError):
            parse_key(bad, private=True)
    assert payments_from_env({}) is None
    with pytest.raises(ValueError, match="LOANFACTORY_GATEWAY_KEY"):
        payments_from_env({"LOANFACTORY_GATEWAY_URL": "http://pay.example"})
    connection = payments_from_env(
        {
            "LOANFACTORY_GATEWAY_URL": "http://pay.example",
            "LOANFACTORY_GATEWAY_KEY": f"lender:hmac:{SECRET.hex()}",
            "LOANFACTORY_GATEWAY_PEER_KEYS": f"p1:ed25519:{base64.b64encode(pair.public_bytes()).decode()}",
        }
    )
    assert connection is not None
    assert set(connection.callbacks.keys) == {"p1"}
    connection.gateway.close()

"""A simulated e-signature provider (模拟电子签名/CA) with verifiable HMAC signatures.

:class:`SimulatedSigner` implements :class:`loanfactory.ports.SignatureProvider`. A signature is an
HMAC-SHA-256, under the signer's secret, of the document digest and every field of the record,
so :meth:`SimulatedSigner.verify` notices a changed document, signer, role, method or time.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from loanfactory.ports import SignatureMethod, SignatureRecord


class SimulatedSigner:
    """Signs with HMAC-SHA-256; the certificate id is derived from the signer."""

    def __init__(self, secret: bytes = b"loanfactory-simulated-ca") -> None:
        if not secret:
            raise ValueError("the signing secret must not be empty")
        self._secret = secret

    def sign(
        self, *, document_sha256: str, signer: str, signer_role: str, method: SignatureMethod, at: datetime
    ) -> SignatureRecord:
        certificate_id = "SIMCA-" + hashlib.sha256(self._secret + signer.encode()).hexdigest()[:16]
        signature = self._mac(document_sha256, signer, signer_role, method, at, certificate_id)
        return SignatureRecord(
            signer=signer,
            signer_role=signer_role,
            method=method,
            signed_at=at,
            document_sha256=document_sha256,
            certificate_id=certificate_id,
            signature=signature,
        )

    def verify(self, record: SignatureRecord) -> bool:
        expected = self._mac(
            record.document_sha256,
            record.signer,
            record.signer_role,
            record.method,
            record.signed_at,
            record.certificate_id,
        )
        return hmac.compare_digest(expected, record.signature)

    def _mac(
        self, digest: str, signer: str, role: str, method: SignatureMethod, at: datetime, cert: str
    ) -> str:
        message = "\n".join([digest, signer, role, method.value, at.isoformat(), cert]).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

"""A generic HTTP payment gateway (支付通道适配器): the :class:`~loanfactory.ports.PaymentGateway`
port over a payment system's JSON API, with signed messages both ways.

The wire format (see ``docs/http-api.md``, "Payment gateway"):

- ``POST {base}/payments`` with the instruction as JSON (``PaymentInstruction``) and an
  ``Idempotency-Key`` header (the order id): the payment system executes one payment per key
  and answers a repeat with the first answer;
- ``GET {base}/payments/{instruction id}``: the payment's state (an enquiry, 查询);
- answers are a ``PaymentResult`` as JSON; requests and answers are signed (:mod:`._signing`).

Unknown outcomes are the dangerous case: a timeout, a dropped connection or a 5xx after the
request left may or may not have moved money. The adapter then sends *the same instruction with
the same key* again (``retries`` times, with backoff), and if that does not settle it, asks
``GET /payments/{id}``. When even the enquiry cannot tell, it raises
:class:`~loanfactory.ports.ServiceUnavailable`: servicing keeps the instruction queued and submits
it again later — with the same key, never a new one — so a payment is never made twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from decimal import Decimal

import httpx
from pydantic import ValidationError

from loanfactory.adapters.payments._signing import SignatureRefused, Signer, Verifier
from loanfactory.ports import PaymentInstruction, PaymentResult, PaymentStatus, ServiceUnavailable

log = logging.getLogger("loanfactory.payments")
_REFUSED = (400, 422)  # the payment system refused the instruction itself: no money moved


class HttpPaymentGateway:
    """:class:`~loanfactory.ports.PaymentGateway` over HTTP (httpx), signed both ways."""

    def __init__(
        self,
        base_url: str,
        *,
        signer: Signer,
        verifier: Verifier,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.2,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if retries < 0 or timeout <= 0 or backoff < 0:
            raise ValueError("retries and backoff are >= 0 and the timeout > 0")
        self.signer = signer
        self.verifier = verifier
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)

    def submit(self, instruction: PaymentInstruction) -> PaymentResult:
        """Send the instruction; resend it unchanged while the outcome is unknown, then enquire."""
        body = instruction.model_dump_json().encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": instruction.idempotency_key}
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            response = self._send("POST", "/payments", body, headers)
            if response is None or response.status_code >= 500:
                continue
            if response.status_code in _REFUSED:
                return PaymentResult(
                    instruction_id=instruction.id,
                    status=PaymentStatus.failed,
                    amount=Decimal(0),
                    reason=f"refused-{response.status_code}: {response.text[:200]}",
                )
            if response.is_success:
                result = self._result(response, instruction.id)
                if result is not None:
                    return result
                continue
            raise ServiceUnavailable(
                f"the payment system answered {response.status_code} to {instruction.id}; check the "
                "configuration (keys, URL) — the instruction stays queued"
            )
        log.warning(
            "payment %s: outcome unknown after %d attempts; enquiring", instruction.id, self.retries + 1
        )
        return self.status(instruction.id)

    def status(self, instruction_id: str) -> PaymentResult:
        """Ask the payment system for the state of a payment (查询)."""
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            response = self._send("GET", f"/payments/{instruction_id}", b"", {})
            if response is None or response.status_code >= 500:
                continue
            if response.status_code == 404:
                raise ServiceUnavailable(f"the payment system does not know {instruction_id} (yet)")
            if response.is_success:
                result = self._result(response, instruction_id)
                if result is not None:
                    return result
                continue
            raise ServiceUnavailable(f"the payment system answered {response.status_code} to an enquiry")
        raise ServiceUnavailable(f"no answer from the payment system about {instruction_id}")

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpPaymentGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response | None:
        signed = {**headers, **self.signer.headers(body)}
        try:
            return self._client.request(method, path, content=body, headers=signed)
        except httpx.TransportError as exc:  # timeouts, refused or dropped connections
            log.warning("payment gateway %s %s: %s", method, path, type(exc).__name__)
            return None

    def _result(self, response: httpx.Response, instruction_id: str) -> PaymentResult | None:
        """The verified answer about ``instruction_id``, or None when it cannot be trusted."""
        try:
            self.verifier.verify(response.headers, response.content)
            result = PaymentResult.model_validate_json(response.content)
        except (SignatureRefused, ValidationError) as exc:
            log.warning("payment gateway answer about %s refused: %s", instruction_id, exc)
            return None
        if result.instruction_id != instruction_id:
            log.warning(
                "payment gateway answered about %s when asked about %s", result.instruction_id, instruction_id
            )
            return None
        return result

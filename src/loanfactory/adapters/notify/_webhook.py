"""Webhook delivery: an HTTP POST of the notification as JSON, signed with HMAC-SHA256.

The receiver checks ``X-Loanfactory-Signature: t=<unix seconds>,v1=<hex>`` where ``v1`` is
``HMAC-SHA256(secret, "<t>.<raw body>")``; :func:`verify_signature` does exactly that, refuses
timestamps outside a tolerance (replays) and accepts any of several secrets (rotation).
``X-Loanfactory-Delivery`` carries the notification's dedup key so that the receiver can drop
the duplicates at-least-once delivery produces.

Timeouts, connection errors, 429 and 5xx answers are retried a few times with backoff; when the
attempts run out, or on any other 4xx, the receipt says ``delivered=False`` with the reason, and
the outbox relay records the failure and tries again later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterable

import httpx

from loanfactory.ports import DeliveryReceipt, Notification

WEBHOOK_SIGNATURE_HEADER = "X-Loanfactory-Signature"
DELIVERY_HEADER = "X-Loanfactory-Delivery"
DEFAULT_TOLERANCE = 300  # seconds either side of the receiver's clock
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def sign_payload(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secrets: str | bytes | Iterable[str | bytes],
    body: bytes,
    header: str | None,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> bool:
    """True when ``header`` signs ``body`` with one of ``secrets`` within ``tolerance`` seconds."""
    if not header:
        return False
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    keys = [secrets] if isinstance(secrets, str | bytes) else list(secrets)
    offered = fields.get("v1", [])
    for key in keys:
        expected = sign_payload(key, timestamp, body).split("v1=", 1)[1]
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return True
    return False


class WebhookNotifier:
    """POSTs each notification to ``url``; the client is injected (tests use a local server)."""

    def __init__(
        self,
        url: str,
        secret: str | bytes,
        *,
        client: httpx.Client | None = None,
        attempts: int = 3,
        backoff: float = 0.5,
        timeout: float = 5.0,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        if not secret:
            raise ValueError("a webhook needs a signing secret")
        self.url = url
        self._secret = secret
        self._client = client
        self._own_client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._attempts = attempts
        self._backoff = backoff
        self._timeout = timeout
        self._now = now
        self._sleep = sleep

    def _http(self) -> httpx.Client:
        if self._client is not None:
            return self._client
        with self._lock:
            if self._own_client is None:
                self._own_client = httpx.Client(timeout=self._timeout)
            return self._own_client

    def close(self) -> None:
        if self._own_client is not None:
            self._own_client.close()

    def send(self, notification: Notification) -> DeliveryReceipt:
        body = json.dumps(
            {"type": "notification", "notification": notification.model_dump(mode="json")},
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
        error = "not attempted"
        for attempt in range(1, self._attempts + 1):
            headers = {
                "Content-Type": "application/json",
                WEBHOOK_SIGNATURE_HEADER: sign_payload(self._secret, int(self._now()), body),
                DELIVERY_HEADER: notification.dedup_key,
            }
            try:
                response = self._http().post(self.url, content=body, headers=headers, timeout=self._timeout)
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            else:
                if response.is_success:
                    reference = response.headers.get("X-Request-ID") or f"webhook:{notification.id}"
                    return DeliveryReceipt(
                        notification_id=notification.id, delivered=True, provider_reference=reference
                    )
                error = f"HTTP {response.status_code}"
                if response.status_code not in RETRYABLE_STATUS:
                    return DeliveryReceipt(
                        notification_id=notification.id, delivered=False, error=f"webhook refused: {error}"
                    )
            if attempt < self._attempts:
                self._sleep(self._backoff * 2 ** (attempt - 1))
        return DeliveryReceipt(
            notification_id=notification.id,
            delivered=False,
            error=f"webhook failed after {self._attempts} attempts: {error}",
        )

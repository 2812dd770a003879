"""Per-key rate limits (token buckets) and the idempotency cache of money-moving requests.

**Rate limits.** Each credential (or, for anonymous requests, each client address) has a bucket
of ``burst`` tokens refilled at ``rate`` per second; a request takes one. An empty bucket answers
429 with ``Retry-After``. Failed authentications are limited the same way by client address
(a second :class:`RateLimiter`, one token per 401). Buckets live in memory per process (a cluster
behind a load balancer limits per instance: put the shared limit in the gateway).

**Idempotency.** A money-moving POST carries ``Idempotency-Key``. A key is scoped by the
principal (kind of credential, role, subject and customer id) and the route (method and path):
the first request in a scope runs; while it runs, a second one gets 409; afterwards the same
body gets the first response again (``Idempotent-Replayed: true``), and another body is refused
(422). Entries are kept for ``ttl`` seconds. The services receive the scope's digest as their
key, so a replay after a restart is still safe: the store refuses the second posting.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace


class RateLimiter:
    """Token buckets by key."""

    def __init__(
        self, rate: float, burst: int, *, now: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._now = now
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when allowed; otherwise the seconds to wait before a token is back."""
        now = self._now()
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        return wait

    def wait(self, key: str) -> float:
        """The seconds until ``key`` has a token again (0: it has one now); takes nothing."""
        with self._lock:
            found = self._buckets.get(key)
        if found is None:
            return 0.0
        tokens, last = found
        tokens = min(float(self.burst), tokens + (self._now() - last) * self.rate)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: bytes
    media_type: str
    fingerprint: str
    at: float


class IdempotencyCache:
    """First responses by idempotency scope (principal, route and key)."""

    IN_FLIGHT = "in-flight"

    def __init__(
        self, *, ttl: float = 24 * 3600, max_entries: int = 100_000, now: Callable[[], float] = time.monotonic
    ):
        self._ttl = ttl
        self._max = max_entries
        self._now = now
        self._entries: OrderedDict[str, StoredResponse | str] = OrderedDict()
        self._lock = threading.Lock()

    def begin(self, scope: str, fingerprint: str) -> StoredResponse | str | None:
        """What to do with a request holding this key.

        None: go ahead (the key is now in flight); a StoredResponse: replay it; ``"in-flight"``:
        another request holds the key; ``"mismatch"``: the key was used for another request.
        """
        now = self._now()
        with self._lock:
            entry = self._entries.get(scope)
            if isinstance(entry, StoredResponse) and now - entry.at > self._ttl:
                entry = None
            if entry is None:
                self._entries[scope] = self.IN_FLIGHT
                self._entries.move_to_end(scope)
                while len(self._entries) > self._max:
                    self._entries.popitem(last=False)
                return None
            if isinstance(entry, str):
                return self.IN_FLIGHT
            return entry if entry.fingerprint == fingerprint else "mismatch"

    def finish(self, scope: str, response: StoredResponse | None) -> None:
        """Store the response (or forget the key when the request did not complete)."""
        with self._lock:
            if response is None:
                self._entries.pop(scope, None)
            else:
                self._entries[scope] = replace(response, at=self._now())

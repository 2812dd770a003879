"""The outbox relay (at least once) and the receiving side's dedup (so effects happen once).

A command writes its notification or payment instruction into the outbox in the same
transaction as the state change (the transactional outbox). :func:`relay` then reads pending
messages, hands each to a handler *outside* any transaction, and marks it delivered (or failed,
with the error and one more attempt). A crash between handing over and marking means the
message is handed over again after restart: delivery is at least once, and every message carries
a ``dedup_key`` so the receiver can do its effect once. :class:`DedupingNotifier` does that for a
:class:`~loanfactory.ports.Notifier`; :class:`SqlInboxDedup` keeps the keys in the ``inbox`` table,
and a receiver that writes its own effect with ``tx.inbox.accept(...)`` in one transaction gets
exactly-once effects.

``relay`` uses only the :class:`~loanfactory.ports.Store` port, so it runs on the memory store too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from loanfactory.ports import Clock, DeliveryReceipt, Notification, Notifier, OutboxMessage, Store

if TYPE_CHECKING:
    from loanfactory.adapters.sql._store import SqlStore

Handler = Callable[[OutboxMessage], object]
"""Delivers one message; raising or returning ``False`` (or an undelivered receipt) means failed."""


@dataclass(frozen=True, slots=True)
class OutboxRelayReport:
    delivered: int
    failed: int
    parked: int  # failed max_attempts times already: left for a person to look at

    def __str__(self) -> str:
        return f"{self.delivered} delivered, {self.failed} failed, {self.parked} parked"


def relay(
    store: Store,
    target: Notifier | Handler | Mapping[str, Notifier | Handler],
    clock: Clock,
    *,
    limit: int = 1000,
    max_attempts: int | None = None,
) -> OutboxRelayReport:
    """Deliver pending outbox messages once each pass, oldest first; see the module docstring.

    ``target``: a Notifier (the payload is a :class:`~loanfactory.ports.Notification`), a handler,
    or a mapping from topic to either (a topic without an entry counts as a failure).
    """
    deliver = _handler(target)
    with store.transaction() as tx:
        batch = tx.outbox.pending(limit)
    delivered = failed = parked = 0
    for message in batch:
        if max_attempts is not None and message.attempts >= max_attempts:
            parked += 1
            continue
        error = _attempt(deliver, message)
        with store.transaction() as tx:
            if error is None:
                tx.outbox.mark_delivered(message.id, clock.now())
            else:
                tx.outbox.mark_failed(message.id, error)
        if error is None:
            delivered += 1
        else:
            failed += 1
    return OutboxRelayReport(delivered, failed, parked)


def _attempt(deliver: Handler, message: OutboxMessage) -> str | None:
    try:
        outcome = deliver(message)
    except Exception as exc:  # a failed delivery is recorded on the message, never raised
        return f"{type(exc).__name__}: {exc}"
    if outcome is False:
        return "the handler reported failure"
    if isinstance(outcome, DeliveryReceipt) and not outcome.delivered:
        return outcome.error or "not delivered"
    return None


def _handler(target: Notifier | Handler | Mapping[str, Notifier | Handler]) -> Handler:
    if isinstance(target, Mapping):
        routes = {topic: _handler(t) for topic, t in target.items()}

        def route(message: OutboxMessage) -> object:
            handler = routes.get(message.topic)
            if handler is None:
                raise LookupError(f"no handler for topic '{message.topic}'")
            return handler(message)

        return route
    send = getattr(target, "send", None)
    if send is not None:
        return lambda message: send(Notification.model_validate(message.payload))
    if callable(target):
        return target
    raise TypeError(f"cannot deliver to {type(target).__name__}: give a Notifier or a callable")


class Dedup(Protocol):
    """Remembers the dedup keys a receiver has handled."""

    def seen(self, key: str) -> bool: ...

    def remember(self, key: str) -> None: ...


class MemoryDedup:
    def __init__(self) -> None:
        self._keys: set[str] = set()

    def seen(self, key: str) -> bool:
        return key in self._keys

    def remember(self, key: str) -> None:
        self._keys.add(key)


class SqlInboxDedup:
    """Dedup keys in the store's ``inbox`` table, per receiver name."""

    def __init__(self, store: SqlStore, receiver: str, clock: Clock) -> None:
        self._store = store
        self._receiver = receiver
        self._clock = clock

    def seen(self, key: str) -> bool:
        with self._store.transaction() as tx:
            return tx.inbox.seen(key)

    def remember(self, key: str) -> None:
        with self._store.transaction() as tx:
            tx.inbox.accept(key, receiver=self._receiver, at=self._clock.now())


class DedupingNotifier:
    """A Notifier that sends each dedup key once: a redelivered notification is acknowledged
    without sending it again. The key is remembered after a successful send, so a crash in
    between can still repeat it; providers that take an idempotency key close that gap."""

    def __init__(self, notifier: Notifier, dedup: Dedup) -> None:
        self._notifier = notifier
        self._dedup = dedup

    def send(self, notification: Notification) -> DeliveryReceipt:
        if self._dedup.seen(notification.dedup_key):
            return DeliveryReceipt(
                notification_id=notification.id, delivered=True, provider_reference="duplicate"
            )
        receipt = self._notifier.send(notification)
        if receipt.delivered:
            self._dedup.remember(notification.dedup_key)
        return receipt

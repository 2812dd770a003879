"""Delivery plumbing: route by channel, and never send the same notification twice.

The outbox delivers at least once: a relay that crashes after sending and before marking the
message delivered sends it again. :class:`DedupNotifier` remembers every successful delivery by
the notification's ``dedup_key`` (in memory or in a small SQLite file) and answers a repeat with
the first receipt instead of sending. Striped locks stop two relay threads racing on one key.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from loanfactory.ports import Channel, DeliveryReceipt, Notification, Notifier


class ChannelRouter:
    """Sends each notification through the notifier of its channel (or ``default``)."""

    def __init__(self, routes: Mapping[Channel, Notifier], *, default: Notifier | None = None) -> None:
        self._routes = dict(routes)
        self._default = default

    def send(self, notification: Notification) -> DeliveryReceipt:
        notifier = self._routes.get(notification.channel, self._default)
        if notifier is None:
            return DeliveryReceipt(
                notification_id=notification.id,
                delivered=False,
                error=f"no notifier for channel '{notification.channel.value}'",
            )
        return notifier.send(notification)


class SentLog(Protocol):
    """Receipts of delivered notifications by dedup key."""

    def receipt(self, dedup_key: str) -> DeliveryReceipt | None: ...

    def record(self, dedup_key: str, receipt: DeliveryReceipt) -> None: ...


class MemorySentLog:
    def __init__(self) -> None:
        self._receipts: dict[str, DeliveryReceipt] = {}
        self._lock = threading.Lock()

    def receipt(self, dedup_key: str) -> DeliveryReceipt | None:
        with self._lock:
            return self._receipts.get(dedup_key)

    def record(self, dedup_key: str, receipt: DeliveryReceipt) -> None:
        with self._lock:
            self._receipts.setdefault(dedup_key, receipt)


class SqliteSentLog:
    """Receipts in a SQLite file, so that a restarted relay still knows what it sent."""

    def __init__(self, path: Path | str) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS sent_notifications "
            "(dedup_key TEXT PRIMARY KEY, receipt TEXT NOT NULL)"
        )

    def receipt(self, dedup_key: str) -> DeliveryReceipt | None:
        with self._lock:
            row = self._db.execute(
                "SELECT receipt FROM sent_notifications WHERE dedup_key = ?", (dedup_key,)
            ).fetchone()
        return DeliveryReceipt.model_validate_json(row[0]) if row else None

    def record(self, dedup_key: str, receipt: DeliveryReceipt) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO sent_notifications VALUES (?, ?)",
                (dedup_key, receipt.model_dump_json()),
            )

    def close(self) -> None:
        self._db.close()


class DedupNotifier:
    """Sends a notification once per dedup key; a repeat gets the first receipt back."""

    def __init__(self, inner: Notifier, log: SentLog | None = None) -> None:
        self._inner = inner
        self._log = log if log is not None else MemorySentLog()
        # striped locks: two sends of one key serialise, memory stays bounded
        self._locks = [threading.Lock() for _ in range(64)]

    def send(self, notification: Notification) -> DeliveryReceipt:
        key = notification.dedup_key
        with self._locks[hash(key) % len(self._locks)]:
            earlier = self._log.receipt(key)
            if earlier is not None:
                return earlier.model_copy(update={"notification_id": notification.id})
            receipt = self._inner.send(notification)
            if receipt.delivered:
                self._log.record(key, receipt)
        return receipt

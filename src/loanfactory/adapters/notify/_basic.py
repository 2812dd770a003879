"""Notifiers that write where a developer or an operator can read: the console and a JSON-lines file.

Both are for development, demos and audit copies; neither talks to a customer. The file notifier
appends one JSON object per line (``{"at": ..., "notification": {...}}``) under a lock, so that
several relay threads never interleave half lines.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from loanfactory.ports import DeliveryReceipt, Notification


def _wall_clock() -> datetime:
    return datetime.fromtimestamp(time.time(), UTC)


class ConsoleNotifier:
    """Prints ``channel -> recipient [template] subject: body`` to a stream (stderr by default)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, notification: Notification) -> DeliveryReceipt:
        stream = self._stream or sys.stderr
        body = notification.body.replace("\n", " / ")
        subject = f"{notification.subject}: " if notification.subject else ""
        line = (
            f"[notify] {notification.channel.value} -> {notification.recipient} "
            f"[{notification.template}/{notification.language}] {subject}{body}\n"
        )
        with self._lock:
            stream.write(line)
            stream.flush()
        return DeliveryReceipt(
            notification_id=notification.id, delivered=True, provider_reference=f"console:{notification.id}"
        )


class FileNotifier:
    """Appends each notification as one JSON line to ``path`` (created with its directory)."""

    def __init__(self, path: Path, *, now: Callable[[], datetime] = _wall_clock) -> None:
        self.path = path
        self._now = now
        self._lock = threading.Lock()

    def send(self, notification: Notification) -> DeliveryReceipt:
        record = {"at": self._now().isoformat(), "notification": notification.model_dump(mode="json")}
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(line)
        except OSError as exc:
            return DeliveryReceipt(
                notification_id=notification.id,
                delivered=False,
                error=f"file: cannot write {self.path}: {exc.strerror or exc}",
            )
        return DeliveryReceipt(
            notification_id=notification.id, delivered=True, provider_reference=f"file:{notification.id}"
        )

    def read(self) -> list[Notification]:
        """Every notification written so far (for tests and the demo)."""
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [Notification.model_validate(json.loads(line)["notification"]) for line in lines if line]

"""A notifier that records what it was asked to send, and can be told to fail."""

from __future__ import annotations

from collections.abc import Iterable

from loanfactory.ports import DeliveryReceipt, Notification


class RecordingNotifier:
    """A :class:`loanfactory.ports.Notifier` keeping every delivered notification in ``sent``.

    ``fail_first`` makes the first N sends fail (to test the outbox relay's retries);
    ``unreachable`` recipients always fail. A notification whose ``dedup_key`` was already
    delivered is acknowledged without being recorded twice, as a real provider would.
    """

    def __init__(self, *, fail_first: int = 0, unreachable: Iterable[str] = ()) -> None:
        self.sent: list[Notification] = []
        self.attempts = 0
        self._fail_first = fail_first
        self._unreachable = frozenset(unreachable)
        self._delivered: dict[str, str] = {}

    def send(self, notification: Notification) -> DeliveryReceipt:
        self.attempts += 1
        if self.attempts <= self._fail_first or notification.recipient in self._unreachable:
            return DeliveryReceipt(
                notification_id=notification.id, delivered=False, error="provider unavailable"
            )
        reference = self._delivered.get(notification.dedup_key)
        if reference is None:
            reference = self._delivered[notification.dedup_key] = f"msg-{len(self._delivered) + 1:06d}"
            self.sent.append(notification)
        return DeliveryReceipt(notification_id=notification.id, delivered=True, provider_reference=reference)

    def to(self, recipient: str) -> list[Notification]:
        """What ``recipient`` received, in order."""
        return [n for n in self.sent if n.recipient == recipient]

    def templates(self) -> list[str]:
        return [n.template for n in self.sent]

"""Delivering notifications from the outbox (发件箱投递).

The core writes a notification into the outbox in the same transaction as the state change that
caused it. :class:`NotificationRelay` reads the ``notification`` topic and sends each message. A
payload is either a :class:`~loanfactory.ports.Notification` as the core queues it (it has a
``body``) or a request to render one::

    {"template": "repayment_reminder", "recipient": "cus_1", "channel": "sms",
     "language": "zh", "data": {"loan_id": "...", "installment": 3, "amount_due": "4333.33", ...}}

Either way, a registered kind (:mod:`loanfactory.notices`) is rendered from the template book in
the notification's language and for its channel: the templates are the words customers read, and
the core's own ``body`` is only the plain text for embedders without this package. A kind the
registry does not know (a bank's own) is sent as written when it has a body.

Sending happens outside the store's transaction (a slow SMS gateway must not hold a lock); the
result is written afterwards. A crash between the two sends the message again on the next run,
which is why the notifier in front should be a :class:`DedupNotifier`. Deferred messages (quiet
hours) are skipped until their time without counting an attempt; a message that failed
``max_attempts`` times stays in the outbox for an operator and is not retried; a notifier that
raises counts as a failed attempt of that message, and the pass goes on with the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from loanfactory.adapters.notify._preferences import deferred_until
from loanfactory.adapters.notify._templates import TemplateBook
from loanfactory.errors import LoanfactoryError
from loanfactory.notices import NOTICE_KINDS
from loanfactory.ports import Channel, Notification, Notifier, OutboxMessage, Store

TOPIC = "notification"


@dataclass
class NotificationRelayReport:
    """What one pass did, by outbox message id."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)  # gave up: max attempts reached


class NotificationRelay:
    """Sends pending ``notification`` outbox messages through ``notifier``."""

    def __init__(
        self,
        store: Store,
        notifier: Notifier,
        *,
        templates: TemplateBook,
        now: Callable[[], datetime],
        max_attempts: int = 8,
        topic: str = TOPIC,
    ) -> None:
        self._store = store
        self._notifier = notifier
        self._templates = templates
        self._now = now
        self._max_attempts = max_attempts
        self._topic = topic
        self._not_before: dict[str, datetime] = {}

    def notification_for(self, message: OutboxMessage) -> Notification:
        """The notification an outbox message stands for (rendered from its template if needed)."""
        payload = message.payload
        if "body" in payload:
            written = Notification.model_validate(payload)
            if written.template not in NOTICE_KINDS:
                return written
            return self._templates.rerender(written)
        return self._templates.compose(
            str(payload.get("template", "")),
            recipient=str(payload.get("recipient", "")),
            channel=Channel(payload.get("channel", Channel.sms.value)),
            data=payload.get("data") or {},
            language=payload.get("language"),
            dedup_key=message.dedup_key,
            id=message.id,
        )

    def run_once(self, limit: int = 100) -> NotificationRelayReport:
        report = NotificationRelayReport()
        now = self._now()
        with self._store.transaction() as tx:
            waiting = tx.outbox.pending(limit, topic=self._topic)
        for message in waiting[:limit]:
            if message.attempts >= self._max_attempts:
                report.dead.append(message.id)
                continue
            not_before = self._not_before.get(message.id)
            if not_before is not None and now < not_before:
                report.deferred.append(message.id)
                continue
            try:
                notification = self.notification_for(message)
            except (LoanfactoryError, ValidationError, ValueError) as exc:
                self._fail(message, f"cannot build the notification: {exc}")
                report.failed.append(message.id)
                continue
            try:
                receipt = self._notifier.send(notification)
            except Exception as exc:  # a channel's bug must not stop the pass: recorded, retried
                self._fail(message, f"{type(exc).__name__}: {exc}")
                report.failed.append(message.id)
                continue
            later = deferred_until(receipt)
            if later is not None:
                self._not_before[message.id] = later
                report.deferred.append(message.id)
            elif receipt.delivered:
                with self._store.transaction() as tx:
                    tx.outbox.mark_delivered(message.id, self._now())
                self._not_before.pop(message.id, None)
                report.sent.append(message.id)
            else:
                self._fail(message, receipt.error or "not delivered")
                report.failed.append(message.id)
        return report

    def _fail(self, message: OutboxMessage, error: str) -> None:
        with self._store.transaction() as tx:
            tx.outbox.mark_failed(message.id, error[:500])

"""SMS (短信) and push (推送) delivery behind small provider interfaces, and a simulated provider.

A notification names a recipient (a customer id); a :class:`ContactBook` turns it into a phone
number or a device token. Providers are what a bank plugs in (an SMS gateway, a push service);
:class:`SimulatedSmsProvider` and :class:`SimulatedPushProvider` behave like them for tests and the
demo: they check mainland mobile numbers, count 70-character SMS segments (67 per segment once a
message is split), refuse messages that are too long, and can be told to fail for some numbers or
for every n-th message.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Protocol

from loanfactory.ports import DeliveryReceipt, Notification

MOBILE = re.compile(r"^1[3-9]\d{9}$")
SMS_SINGLE = 70
SMS_SEGMENT = 67
SMS_MAX_SEGMENTS = 8


@dataclass(frozen=True, slots=True)
class Contact:
    """Where a recipient can be reached."""

    phone: str | None = None
    device_token: str | None = None


class ContactBook(Protocol):
    def contact(self, recipient: str) -> Contact | None: ...


class MemoryContacts:
    """Contacts in a dictionary (tests, demo)."""

    def __init__(self, contacts: dict[str, Contact] | None = None) -> None:
        self._contacts = dict(contacts or {})

    def contact(self, recipient: str) -> Contact | None:
        return self._contacts.get(recipient)

    def set(self, recipient: str, contact: Contact) -> None:
        self._contacts[recipient] = contact


@dataclass(frozen=True, slots=True)
class ProviderAnswer:
    """What a provider said: accepted with its message id, or refused with a reason."""

    accepted: bool
    message_id: str | None = None
    error: str | None = None
    segments: int = 1


class SmsProvider(Protocol):
    def send_sms(self, phone: str, text: str, *, reference: str) -> ProviderAnswer: ...


class PushProvider(Protocol):
    def send_push(self, device_token: str, title: str, body: str, *, reference: str) -> ProviderAnswer: ...


def sms_segments(text: str) -> int:
    """How many segments an SMS takes (70 characters alone, 67 each when split)."""
    if len(text) <= SMS_SINGLE:
        return 1
    return -(-len(text) // SMS_SEGMENT)


@dataclass
class SentMessage:
    to: str
    text: str
    reference: str
    title: str = ""


@dataclass
class SimulatedSmsProvider:
    """An SMS gateway that records what it was asked to send."""

    fail_numbers: set[str] = field(default_factory=set)
    fail_every: int = 0  # 0: never; n: every n-th message fails (a flaky gateway)
    sent: list[SentMessage] = field(default_factory=list)
    _count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send_sms(self, phone: str, text: str, *, reference: str) -> ProviderAnswer:
        with self._lock:
            self._count += 1
            if not MOBILE.match(phone):
                return ProviderAnswer(False, error=f"invalid mobile number ending {phone[-4:]}")
            segments = sms_segments(text)
            if segments > SMS_MAX_SEGMENTS:
                return ProviderAnswer(False, error=f"message too long ({len(text)} characters)")
            if phone in self.fail_numbers:
                return ProviderAnswer(False, error="gateway refused the number")
            if self.fail_every and self._count % self.fail_every == 0:
                return ProviderAnswer(False, error="gateway timeout")
            self.sent.append(SentMessage(phone, text, reference))
            return ProviderAnswer(True, message_id=f"sms-{self._count:08d}", segments=segments)


@dataclass
class SimulatedPushProvider:
    """A push service that records what it was asked to send."""

    fail_tokens: set[str] = field(default_factory=set)
    sent: list[SentMessage] = field(default_factory=list)
    _count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send_push(self, device_token: str, title: str, body: str, *, reference: str) -> ProviderAnswer:
        with self._lock:
            self._count += 1
            if device_token in self.fail_tokens:
                return ProviderAnswer(False, error="device token expired")
            self.sent.append(SentMessage(device_token, body, reference, title=title))
            return ProviderAnswer(True, message_id=f"push-{self._count:08d}")


class SmsNotifier:
    """Sends a notification's (short) body as an SMS to the recipient's phone."""

    def __init__(self, provider: SmsProvider, contacts: ContactBook) -> None:
        self._provider = provider
        self._contacts = contacts

    def send(self, notification: Notification) -> DeliveryReceipt:
        contact = self._contacts.contact(notification.recipient)
        if contact is None or not contact.phone:
            return _refused(notification, f"sms: no phone number for {notification.recipient}")
        answer = self._provider.send_sms(contact.phone, notification.body, reference=notification.dedup_key)
        return _receipt(notification, answer, "sms")


class PushNotifier:
    """Sends a notification as a push message to the recipient's device."""

    def __init__(self, provider: PushProvider, contacts: ContactBook) -> None:
        self._provider = provider
        self._contacts = contacts

    def send(self, notification: Notification) -> DeliveryReceipt:
        contact = self._contacts.contact(notification.recipient)
        if contact is None or not contact.device_token:
            return _refused(notification, f"push: no device registered for {notification.recipient}")
        answer = self._provider.send_push(
            contact.device_token, notification.subject, notification.body, reference=notification.dedup_key
        )
        return _receipt(notification, answer, "push")


def _refused(notification: Notification, error: str) -> DeliveryReceipt:
    return DeliveryReceipt(notification_id=notification.id, delivered=False, error=error)


def _receipt(notification: Notification, answer: ProviderAnswer, channel: str) -> DeliveryReceipt:
    if answer.accepted:
        return DeliveryReceipt(
            notification_id=notification.id, delivered=True, provider_reference=answer.message_id
        )
    return _refused(notification, f"{channel}: {answer.error}")

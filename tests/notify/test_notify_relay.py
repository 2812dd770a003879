"""From the outbox to the customer: at-least-once delivery that never sends twice."""

from __future__ import annotations

import contextlib
from datetime import datetime, time, timedelta

from notify_samples import SAMPLES

from loanfactory.adapters.notify import (
    Contact,
    DedupNotifier,
    MemoryContacts,
    MemoryPreferences,
    NotificationPreferences,
    NotificationRelay,
    PreferenceNotifier,
    QuietHours,
    SimulatedSmsProvider,
    SmsNotifier,
    TemplateBook,
)
from loanfactory.entity import CST
from loanfactory.notices import notice
from loanfactory.ports import Channel, DeliveryReceipt, Notification, OutboxMessage
from loanfactory.testing import FixedClock, MemoryStore

START = datetime(2025, 7, 1, 10, 0, tzinfo=CST)


def _queue(store: MemoryStore, key: str, payload: dict[str, object], topic: str = "notification") -> None:
    with store.transaction() as tx:
        tx.outbox.add(
            OutboxMessage(id=f"out_{key}", topic=topic, dedup_key=key, payload=payload, created_at=START)
        )


def _request(kind: str = "repayment_reminder", **extra: object) -> dict[str, object]:
    return {"template": kind, "recipient": "cus_1", "channel": "sms", "data": SAMPLES[kind], **extra}


def _pending(store: MemoryStore) -> list[OutboxMessage]:
    with store.transaction() as tx:
        return tx.outbox.pending()


def _sms() -> tuple[SmsNotifier, SimulatedSmsProvider]:
    provider = SimulatedSmsProvider()
    return SmsNotifier(provider, MemoryContacts({"cus_1": Contact(phone="13812345678")})), provider


def test_template_requests_and_rendered_notifications_are_both_delivered(book: TemplateBook) -> None:
    store, clock = MemoryStore(), FixedClock(START)
    notifier, provider = _sms()
    _queue(store, "a", _request())
    rendered = book.compose(
        "settlement_notice",
        recipient="cus_1",
        channel=Channel.sms,
        data=SAMPLES["settlement_notice"],
        dedup_key="b",
    )
    _queue(store, "b", rendered.model_dump(mode="json"))
    _queue(store, "c", {"instruction": "pay"}, topic="payment")
    report = NotificationRelay(store, notifier, templates=book, now=clock.now).run_once()
    assert report.sent == ["out_a", "out_b"]
    assert [m.topic for m in _pending(store)] == ["payment"]
    assert provider.sent[0].text.startswith("【示例银行】您的贷款第3期应还4,333.33元")
    assert provider.sent[1].text == rendered.body


def test_failures_are_recorded_and_retried_until_the_limit(book: TemplateBook) -> None:
    store, clock = MemoryStore(), FixedClock(START)
    provider = SimulatedSmsProvider(fail_numbers={"13812345678"})
    notifier = SmsNotifier(provider, MemoryContacts({"cus_1": Contact(phone="13812345678")}))
    relay = NotificationRelay(store, notifier, templates=book, now=clock.now, max_attempts=2)
    _queue(store, "a", _request())
    assert relay.run_once().failed == ["out_a"]
    assert relay.run_once().failed == ["out_a"]
    assert relay.run_once().dead == ["out_a"]
    [message] = _pending(store)
    assert message.attempts == 2
    assert message.last_error == "sms: gateway refused the number"


def test_a_payload_that_cannot_be_rendered_fails_with_the_reason(book: TemplateBook) -> None:
    store, clock = MemoryStore(), FixedClock(START)
    notifier, provider = _sms()
    _queue(store, "a", _request(data={"loan_id": "x"}))
    _queue(store, "b", _request(channel="carrier-pigeon"))
    report = NotificationRelay(store, notifier, templates=book, now=clock.now).run_once()
    assert report.failed == ["out_a", "out_b"]
    errors = {m.id: m.last_error or "" for m in _pending(store)}
    assert "template 'repayment_reminder' needs" in errors["out_a"]
    assert "carrier-pigeon" in errors["out_b"]
    assert provider.sent == []


class CrashAfterSend:
    """Sends, then the relay 'crashes' before it can mark the message delivered."""

    def __init__(self, inner: DedupNotifier) -> None:
        self.inner = inner
        self.crash = True

    def send(self, notification: Notification) -> DeliveryReceipt:
        receipt = self.inner.send(notification)
        if self.crash:
            raise RuntimeError("relay died")
        return receipt


def test_a_crash_between_send_and_mark_does_not_send_twice(book: TemplateBook) -> None:
    store, clock = MemoryStore(), FixedClock(START)
    sms, provider = _sms()
    crashing = CrashAfterSend(DedupNotifier(sms))
    _queue(store, "a", _request())
    relay = NotificationRelay(store, crashing, templates=book, now=clock.now)
    with contextlib.suppress(RuntimeError):
        relay.run_once()
    assert len(_pending(store)) == 1  # still pending: at-least-once will try again
    crashing.crash = False
    assert relay.run_once().sent == ["out_a"]
    assert len(provider.sent) == 1


def test_quiet_hours_defer_without_counting_an_attempt(book: TemplateBook) -> None:
    store, clock = MemoryStore(), FixedClock(datetime(2025, 7, 1, 23, 0, tzinfo=CST))
    sms, provider = _sms()
    prefs = MemoryPreferences()
    prefs.set("cus_1", NotificationPreferences(quiet_hours=QuietHours(start=time(22), end=time(8))))
    notifier = PreferenceNotifier(sms, prefs, now=clock.now, templates=book)
    relay = NotificationRelay(store, notifier, templates=book, now=clock.now)
    _queue(store, "a", _request())
    assert relay.run_once().deferred == ["out_a"]
    clock.advance(timedelta(hours=1))
    assert relay.run_once().deferred == ["out_a"]  # skipped until 08:00
    assert _pending(store)[0].attempts == 0
    clock.set(datetime(2025, 7, 2, 8, 0, tzinfo=CST))
    assert relay.run_once().sent == ["out_a"]
    assert len(provider.sent) == 1


def test_what_the_core_queues_is_worded_by_the_templates_in_its_language(book: TemplateBook) -> None:
    store, clock = MemoryStore(), FixedClock(START)
    notifier, provider = _sms()
    core = notice(
        "overdue_notice",
        id="ntf_1",
        recipient="cus_1",
        channel=Channel.sms,
        data=SAMPLES["overdue_notice"],
        dedup_key="a",
        body="the core's plain text",
        language="en",
    )
    own = Notification(
        id="ntf_2",
        recipient="cus_1",
        channel=Channel.sms,
        template="birthday",
        body="Happy birthday",
        dedup_key="b",
    )
    _queue(store, "a", core.model_dump(mode="json"))
    _queue(store, "b", own.model_dump(mode="json"))
    report = NotificationRelay(store, notifier, templates=book, now=clock.now).run_once()
    assert report.sent == ["out_a", "out_b"]
    assert provider.sent[0].text == book.render("overdue_notice", "en", SAMPLES["overdue_notice"]).short
    assert provider.sent[1].text == "Happy birthday"  # a kind the registry does not know: as written

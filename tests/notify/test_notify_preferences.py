"""消息通知设置: channels per kind, quiet hours, language; mandatory kinds and collection hours."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from notify_samples import SAMPLES
from pydantic import ValidationError

from loanfactory.adapters.notify import (
    SUPPRESSED,
    MemoryPreferences,
    NotificationPreferences,
    PreferenceNotifier,
    QuietHours,
    TemplateBook,
    deferred_until,
)
from loanfactory.entity import CST
from loanfactory.ports import Channel, DeliveryReceipt, Notification
from loanfactory.testing import FixedClock


class Recording:
    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> DeliveryReceipt:
        self.sent.append(notification)
        return DeliveryReceipt(notification_id=notification.id, delivered=True, provider_reference="ok")


def _setup(
    book: TemplateBook, preferences: NotificationPreferences | None, at: datetime
) -> tuple[PreferenceNotifier, Recording]:
    source = MemoryPreferences()
    if preferences is not None:
        source.set("cus_1", preferences)
    inner = Recording()
    clock = FixedClock(at)
    return PreferenceNotifier(inner, source, now=clock.now, templates=book), inner


def _note(book: TemplateBook, kind: str, channel: Channel = Channel.sms, to: str = "cus_1") -> Notification:
    return book.compose(
        kind, recipient=to, channel=channel, data=SAMPLES[kind], dedup_key=f"{kind}-{channel}"
    )


NOON = datetime(2025, 7, 1, 12, 0, tzinfo=CST)


def test_without_settings_everything_goes_out(book: TemplateBook) -> None:
    notifier, inner = _setup(book, None, NOON)
    assert notifier.send(_note(book, "repayment_reminder")).provider_reference == "ok"
    assert len(inner.sent) == 1


def test_a_channel_switched_off_for_a_kind_is_suppressed_not_retried(book: TemplateBook) -> None:
    prefs = NotificationPreferences(channels={"repayment_reminder": [Channel.push]})
    notifier, inner = _setup(book, prefs, NOON)
    receipt = notifier.send(_note(book, "repayment_reminder", Channel.sms))
    assert receipt.delivered
    assert receipt.provider_reference == SUPPRESSED
    assert notifier.send(_note(book, "repayment_reminder", Channel.push)).provider_reference == "ok"
    assert (
        notifier.send(_note(book, "settlement_notice", Channel.sms)).provider_reference == "ok"
    )  # not listed
    assert [n.channel for n in inner.sent] == [Channel.push, Channel.sms]


def test_mandatory_kinds_cannot_be_switched_off(book: TemplateBook) -> None:
    with pytest.raises(ValidationError, match="cannot be switched off"):
        NotificationPreferences(channels={"overdue_notice": []})
    prefs = NotificationPreferences(channels={"overdue_notice": [Channel.push]})
    notifier, inner = _setup(book, prefs, NOON)
    assert notifier.send(_note(book, "overdue_notice", Channel.sms)).provider_reference == "ok"
    assert len(inner.sent) == 1


@pytest.mark.parametrize(
    ("channels", "message"),
    [
        ({"overdue_notcie": ["sms"]}, "did you mean 'overdue_notice'"),
        ({"risk_warning": ["sms"]}, "goes to staff"),
        ({"repayment_reminder": ["fax"]}, "Input should be"),
    ],
)
def test_bad_settings_are_refused(channels: dict[str, list[str]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        NotificationPreferences.model_validate({"channels": channels})


def test_quiet_hours_defer_until_they_end_across_midnight(book: TemplateBook) -> None:
    prefs = NotificationPreferences(quiet_hours=QuietHours(start=time(21, 30), end=time(7, 0)))
    late = datetime(2025, 7, 1, 23, 15, tzinfo=CST)
    notifier, inner = _setup(book, prefs, late)
    receipt = notifier.send(_note(book, "repayment_reminder"))
    assert not receipt.delivered
    assert deferred_until(receipt) == datetime(2025, 7, 2, 7, 0, tzinfo=CST)
    early = datetime(2025, 7, 2, 6, 59, tzinfo=CST)
    notifier, inner = _setup(book, prefs, early)
    assert deferred_until(notifier.send(_note(book, "repayment_reminder"))) == datetime(
        2025, 7, 2, 7, 0, tzinfo=CST
    )
    notifier, inner = _setup(book, prefs, datetime(2025, 7, 2, 7, 0, tzinfo=CST))
    assert notifier.send(_note(book, "repayment_reminder")).delivered
    assert len(inner.sent) == 1


def test_a_daytime_quiet_window_does_not_wrap() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(13, 0))
    assert lunch.contains(NOON)
    assert not lunch.contains(datetime(2025, 7, 1, 13, 0, tzinfo=CST))
    assert not lunch.contains(datetime(2025, 7, 1, 23, 0, tzinfo=CST))
    with pytest.raises(ValidationError):
        QuietHours(start=time(8), end=time(8))


def test_overdue_notices_respect_collection_hours_without_any_setting(book: TemplateBook) -> None:
    notifier, inner = _setup(book, None, datetime(2025, 7, 1, 22, 30, tzinfo=CST))
    receipt = notifier.send(_note(book, "overdue_notice"))
    assert deferred_until(receipt) == datetime(2025, 7, 2, 8, 0, tzinfo=CST)
    assert notifier.send(_note(book, "repayment_reminder")).delivered
    assert [n.template for n in inner.sent] == ["repayment_reminder"]


def test_the_later_of_two_quiet_windows_wins(book: TemplateBook) -> None:
    prefs = NotificationPreferences(quiet_hours=QuietHours(start=time(22), end=time(9, 30)))
    notifier, _ = _setup(book, prefs, datetime(2025, 7, 1, 23, 0, tzinfo=CST))
    assert deferred_until(notifier.send(_note(book, "overdue_notice"))) == datetime(
        2025, 7, 2, 9, 30, tzinfo=CST
    )


def test_a_preferred_language_renders_the_notification_again(book: TemplateBook) -> None:
    notifier, inner = _setup(book, NotificationPreferences(language="en"), NOON)
    notifier.send(_note(book, "repayment_reminder"))
    assert inner.sent[0].language == "en"
    assert inner.sent[0].body.startswith("[示例银行] Installment 3: CNY 4,333.33 is due on 2025-09-01")


def test_staff_notifications_ignore_customer_settings(book: TemplateBook) -> None:
    prefs = NotificationPreferences(quiet_hours=QuietHours(start=time(0), end=time(23, 59)))
    notifier, inner = _setup(book, prefs, NOON)
    assert notifier.send(_note(book, "risk_warning", Channel.staff)).delivered
    assert len(inner.sent) == 1


def test_deferred_until_is_none_for_ordinary_receipts() -> None:
    assert deferred_until(DeliveryReceipt(notification_id="n", delivered=False, error="down")) is None


def test_a_notification_our_templates_cannot_render_is_sent_as_written(book: TemplateBook) -> None:
    notifier, inner = _setup(book, NotificationPreferences(language="en"), NOON)
    foreign = Notification(
        id="n1",
        recipient="cus_1",
        channel=Channel.sms,
        template="repayment_reminder",
        body="请还款",
        dedup_key="x",
    )
    assert notifier.send(foreign).delivered
    assert inner.sent == [foreign]

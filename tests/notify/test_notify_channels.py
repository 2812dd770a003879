"""Console, file, SMS, push, routing and dedup: each channel delivers or says why not."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from notify_samples import SAMPLES

from loanfactory.adapters.notify import (
    ChannelRouter,
    ConsoleNotifier,
    Contact,
    DedupNotifier,
    FileNotifier,
    MemoryContacts,
    MemorySentLog,
    PushNotifier,
    SimulatedPushProvider,
    SimulatedSmsProvider,
    SmsNotifier,
    SqliteSentLog,
    TemplateBook,
    sms_segments,
)
from loanfactory.ports import Channel, DeliveryReceipt, Notification


def _note(
    book: TemplateBook, channel: Channel = Channel.sms, key: str = "k1", to: str = "cus_1"
) -> Notification:
    return book.compose(
        "repayment_reminder", recipient=to, channel=channel, data=SAMPLES["repayment_reminder"], dedup_key=key
    )


class Counting:
    """A notifier that counts sends and answers as told."""

    def __init__(self, delivered: bool = True) -> None:
        self.sent: list[Notification] = []
        self.delivered = delivered
        self._lock = threading.Lock()

    def send(self, notification: Notification) -> DeliveryReceipt:
        with self._lock:
            self.sent.append(notification)
        return DeliveryReceipt(
            notification_id=notification.id,
            delivered=self.delivered,
            provider_reference=f"ref-{len(self.sent)}" if self.delivered else None,
            error=None if self.delivered else "down",
        )


def test_console_prints_one_line_per_notification(book: TemplateBook) -> None:
    out = io.StringIO()
    receipt = ConsoleNotifier(out).send(_note(book, Channel.in_app))
    assert receipt.delivered
    line = out.getvalue()
    assert line.count("\n") == 1
    assert line.startswith("[notify] in-app -> cus_1 [repayment_reminder/zh] 还款提醒: ")


def test_file_appends_json_lines_that_read_back_exactly(book: TemplateBook, tmp_path: Path) -> None:
    notifier = FileNotifier(tmp_path / "out" / "notifications.jsonl")
    first, second = _note(book, key="a"), _note(book, Channel.in_app, key="b")
    assert notifier.send(first).delivered
    assert notifier.send(second).delivered
    assert notifier.read() == [first, second]


def test_file_reports_an_unwritable_path_as_a_failed_receipt(book: TemplateBook, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    receipt = FileNotifier(blocker / "sub" / "n.jsonl").send(_note(book))
    assert not receipt.delivered
    assert receipt.error is not None
    assert receipt.error.startswith("file: cannot write")


def test_sms_goes_to_the_recipients_phone_with_the_short_text(book: TemplateBook) -> None:
    provider = SimulatedSmsProvider()
    contacts = MemoryContacts({"cus_1": Contact(phone="13812345678")})
    receipt = SmsNotifier(provider, contacts).send(_note(book))
    assert receipt.delivered
    assert receipt.provider_reference == "sms-00000001"
    assert provider.sent[0].to == "13812345678"
    assert provider.sent[0].text.startswith("【示例银行】")
    assert provider.sent[0].reference == "k1"


@pytest.mark.parametrize(
    ("contacts", "provider", "error"),
    [
        ({}, SimulatedSmsProvider(), "sms: no phone number for cus_1"),
        ({"cus_1": Contact(phone="12345")}, SimulatedSmsProvider(), "sms: invalid mobile number ending 2345"),
        (
            {"cus_1": Contact(phone="13812345678")},
            SimulatedSmsProvider(fail_numbers={"13812345678"}),
            "sms: gateway refused the number",
        ),
    ],
)
def test_sms_failures_say_why(
    book: TemplateBook, contacts: dict[str, Contact], provider: SimulatedSmsProvider, error: str
) -> None:
    receipt = SmsNotifier(provider, MemoryContacts(contacts)).send(_note(book))
    assert not receipt.delivered
    assert receipt.error == error
    assert provider.sent == []


def test_a_flaky_gateway_fails_every_nth_message(book: TemplateBook) -> None:
    provider = SimulatedSmsProvider(fail_every=3)
    notifier = SmsNotifier(provider, MemoryContacts({"cus_1": Contact(phone="13812345678")}))
    results = [notifier.send(_note(book, key=f"k{i}")).delivered for i in range(6)]
    assert results == [True, True, False, True, True, False]


def test_sms_segments_follow_the_70_and_67_character_rule() -> None:
    assert [sms_segments("字" * n) for n in (1, 70, 71, 134, 135)] == [1, 1, 2, 2, 3]


def test_an_overlong_sms_is_refused() -> None:
    answer = SimulatedSmsProvider().send_sms("13812345678", "x" * 1000, reference="r")
    assert not answer.accepted
    assert answer.error == "message too long (1000 characters)"


def test_push_uses_subject_as_title_and_reports_expired_tokens(book: TemplateBook) -> None:
    provider = SimulatedPushProvider(fail_tokens={"dead"})
    contacts = MemoryContacts({"cus_1": Contact(device_token="tok"), "cus_2": Contact(device_token="dead")})
    notifier = PushNotifier(provider, contacts)
    assert notifier.send(_note(book, Channel.push)).delivered
    assert provider.sent[0].title == "还款提醒"
    expired = notifier.send(_note(book, Channel.push, to="cus_2"))
    assert expired.error == "push: device token expired"
    assert (
        notifier.send(_note(book, Channel.push, to="cus_3")).error == "push: no device registered for cus_3"
    )


def test_router_picks_the_channel_or_the_default_or_says_none(book: TemplateBook) -> None:
    sms, default = Counting(), Counting()
    assert ChannelRouter({Channel.sms: sms}, default=default).send(_note(book)).delivered
    assert ChannelRouter({Channel.sms: sms}, default=default).send(_note(book, Channel.push)).delivered
    assert (len(sms.sent), len(default.sent)) == (1, 1)
    receipt = ChannelRouter({Channel.sms: sms}).send(_note(book, Channel.email))
    assert receipt.error == "no notifier for channel 'email'"


def test_dedup_sends_once_and_replays_the_first_receipt(book: TemplateBook) -> None:
    inner = Counting()
    notifier = DedupNotifier(inner)
    first = notifier.send(_note(book))
    again = notifier.send(_note(book).model_copy(update={"id": "ntf_other"}))
    assert len(inner.sent) == 1
    assert again.provider_reference == first.provider_reference
    assert again.notification_id == "ntf_other"


def test_dedup_retries_what_failed(book: TemplateBook) -> None:
    inner = Counting(delivered=False)
    notifier = DedupNotifier(inner, MemorySentLog())
    assert not notifier.send(_note(book)).delivered
    inner.delivered = True
    assert notifier.send(_note(book)).delivered
    assert notifier.send(_note(book)).delivered
    assert len(inner.sent) == 2


def test_dedup_survives_a_restart_with_a_sqlite_log(book: TemplateBook, tmp_path: Path) -> None:
    inner = Counting()
    log = SqliteSentLog(tmp_path / "sent.db")
    DedupNotifier(inner, log).send(_note(book))
    log.close()
    reopened = SqliteSentLog(tmp_path / "sent.db")
    receipt = DedupNotifier(inner, reopened).send(_note(book))
    reopened.close()
    assert len(inner.sent) == 1
    assert receipt.provider_reference == "ref-1"


def test_dedup_holds_under_concurrent_relays(book: TemplateBook) -> None:
    inner = Counting()
    notifier = DedupNotifier(inner)
    threads = [
        threading.Thread(target=notifier.send, args=(_note(book, key=f"k{i % 5}"),)) for i in range(40)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(n.dedup_key for n in inner.sent) == [f"k{i}" for i in range(5)]

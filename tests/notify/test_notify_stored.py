"""消息通知设置 kept in the store: they survive a new process, the notifier follows them, every change
is audited, and two concurrent saves do not silently overwrite each other."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pytest
from notify_samples import SAMPLES

from loanfactory.adapters.notify import (
    SUPPRESSED,
    NotificationPreferences,
    NotificationRelay,
    PreferenceNotifier,
    QuietHours,
    StoredPreferences,
    TemplateBook,
)
from loanfactory.adapters.sql import SqlStore
from loanfactory.entity import CST
from loanfactory.origination import ChannelChoice, NotificationSettings
from loanfactory.ports import Channel, ConcurrentUpdate, DeliveryReceipt, Notification, OutboxMessage
from loanfactory.testing import FixedClock, MemoryStore

NOON = datetime(2025, 8, 20, 12, 0, tzinfo=CST)
CHOICE = NotificationPreferences(
    language="en",
    channels={"repayment_reminder": [Channel.push], "approval_result": []},
    quiet_hours=QuietHours(start=time(22), end=time(8)),
)


class Recording:
    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> DeliveryReceipt:
        self.sent.append(notification)
        return DeliveryReceipt(notification_id=notification.id, delivered=True, provider_reference="ok")


class Exploding:
    def send(self, notification: Notification) -> DeliveryReceipt:
        raise RuntimeError("sms gateway client bug")


def test_settings_survive_a_new_process_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'prefs.db'}"
    clock = FixedClock(NOON)
    first = SqlStore(url, clock=clock)
    StoredPreferences(first, now=clock.now).set("cus_1", CHOICE, actor="alice-app")
    first.dispose()

    second = SqlStore(url, clock=clock)
    try:
        kept = StoredPreferences(second, now=clock.now).preferences_for("cus_1")
        assert kept == CHOICE
        with second.transaction() as tx:
            [row] = tx.repo(NotificationSettings).list(customer_id="cus_1")
            [audit] = tx.audit.records("cus_1")
        assert row.updated_by == "alice-app"
        assert row.updated_at == NOON
        assert row.channels_for("approval_result") == ()
        assert row.channels_for("settlement_notice") is None
        assert (audit.actor, audit.action, audit.before) == (
            "alice-app",
            "notification_settings.change",
            None,
        )
        assert audit.after == CHOICE.model_dump(mode="json")
    finally:
        second.dispose()


def test_a_change_keeps_one_record_and_audits_before_and_after() -> None:
    store, clock = MemoryStore(), FixedClock(NOON)
    prefs = StoredPreferences(store, now=clock.now)
    assert prefs.preferences_for("cus_1") is None
    prefs.set("cus_1", CHOICE, actor="alice-app")
    prefs.set("cus_1", NotificationPreferences(language="zh"), actor="alice-app")
    assert prefs.preferences_for("cus_1") == NotificationPreferences(language="zh")
    with store.transaction() as tx:
        rows = tx.repo(NotificationSettings).list(customer_id="cus_1")
        audit = tx.audit.records("cus_1")
    assert [r.version for r in rows] == [2]
    assert audit[-1].before == CHOICE.model_dump(mode="json")
    assert audit[-1].after == {"language": "zh", "channels": {}, "quiet_hours": None}


def test_a_concurrent_save_is_refused_not_lost() -> None:
    store, clock = MemoryStore(), FixedClock(NOON)
    StoredPreferences(store, now=clock.now).set("cus_1", CHOICE)
    with store.transaction() as tx:
        read = tx.repo(NotificationSettings).get(NotificationSettings.id_for("cus_1"))
    StoredPreferences(store, now=clock.now).set("cus_1", NotificationPreferences(language="zh"))
    with pytest.raises(ConcurrentUpdate), store.transaction() as tx:
        tx.repo(NotificationSettings).update(read.evolve(language="en"))


def test_long_customer_ids_get_a_short_settings_id() -> None:
    long_id = "cus_" + "x" * 80
    assert len(NotificationSettings.id_for(long_id)) <= 64
    assert NotificationSettings.id_for(long_id) != NotificationSettings.id_for(long_id + "y")
    assert NotificationSettings.id_for("cus_1") == "nset_cus_1"


def test_the_notifier_follows_the_stored_settings(book: TemplateBook) -> None:
    store, clock = MemoryStore(), FixedClock(NOON)
    prefs = StoredPreferences(store, now=clock.now)
    inner = Recording()
    notifier = PreferenceNotifier(inner, prefs, now=clock.now, templates=book)
    approval = book.compose(
        "approval_result",
        recipient="cus_1",
        channel=Channel.sms,
        data=SAMPLES["approval_result"],
        dedup_key="a",
    )
    assert notifier.send(approval).delivered
    assert len(inner.sent) == 1  # no settings yet: every channel
    prefs.set("cus_1", CHOICE)
    assert notifier.send(approval).provider_reference == SUPPRESSED
    reminder = book.compose(
        "repayment_reminder",
        recipient="cus_1",
        channel=Channel.push,
        data=SAMPLES["repayment_reminder"],
        dedup_key="r",
    )
    notifier.send(reminder)
    assert inner.sent[-1].language == "en"  # re-rendered in the language chosen


def test_settings_a_later_template_book_does_not_know_still_apply() -> None:
    stored = NotificationSettings(
        id=NotificationSettings.id_for("cus_1"),
        customer_id="cus_1",
        channels=(ChannelChoice(kind="retired_kind", channels=()),),
        updated_at=NOON,
        updated_by="x",
    )
    store = MemoryStore()
    with store.transaction() as tx:
        tx.repo(NotificationSettings).add(stored)
    read = StoredPreferences(store, now=FixedClock(NOON).now).preferences_for("cus_1")
    assert read is not None
    assert not read.allows("retired_kind", Channel.sms)


def test_a_notifier_that_raises_fails_that_message_and_the_pass_goes_on(book: TemplateBook) -> None:
    store, clock = MemoryStore(), FixedClock(NOON)
    with store.transaction() as tx:
        for key in ("a", "b"):
            tx.outbox.add(
                OutboxMessage(
                    id=f"out_{key}",
                    topic="notification",
                    dedup_key=key,
                    created_at=NOON,
                    payload={
                        "template": "settlement_notice",
                        "recipient": "cus_1",
                        "channel": "sms",
                        "data": SAMPLES["settlement_notice"],
                    },
                )
            )
    report = NotificationRelay(store, Exploding(), templates=book, now=clock.now).run_once()
    assert report.failed == ["out_a", "out_b"]
    with store.transaction() as tx:
        pending = tx.outbox.pending()
    assert [m.attempts for m in pending] == [1, 1]
    assert pending[0].last_error == "RuntimeError: sms gateway client bug"

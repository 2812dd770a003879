"""The transactional outbox and its relay: at least once, deduplicated to exactly once, crash-safe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from store_entities import Widget
from store_support import START, Databases

from loanfactory.adapters.sql import DedupingNotifier, MemoryDedup, SqlInboxDedup, SqlStore, relay
from loanfactory.entity import DomainEvent
from loanfactory.ports import Channel, DeliveryReceipt, Notification, OutboxMessage, Store
from loanfactory.testing import FixedClock

HERE = Path(__file__).parent


def notification(n: int) -> Notification:
    return Notification(
        id=f"n{n}",
        recipient="c1",
        channel=Channel.sms,
        template="repayment_reminder",
        body=f"提醒 {n}",
        dedup_key=f"remind:L1:{n}",
    )


def queue(store: Store, n: int) -> None:
    with store.transaction() as tx:
        note = notification(n)
        tx.outbox.add(
            OutboxMessage(
                id=f"m{n}",
                topic="notification",
                dedup_key=note.dedup_key,
                payload=note.model_dump(mode="json"),
                created_at=START + timedelta(seconds=n),
            )
        )


class Phone:
    """A notifier that records what it sent, and can be told to fail."""

    def __init__(self, fail: set[str] | None = None) -> None:
        self.sent: list[str] = []
        self.fail = fail or set()

    def send(self, note: Notification) -> DeliveryReceipt:
        if note.id in self.fail:
            return DeliveryReceipt(notification_id=note.id, delivered=False, error="gateway busy")
        self.sent.append(note.id)
        return DeliveryReceipt(notification_id=note.id, delivered=True, provider_reference=f"sms-{note.id}")


def test_relay_delivers_each_pending_message_once_in_order(store: Store) -> None:
    for n in (2, 1, 3):
        queue(store, n)
    phone = Phone()
    clock = FixedClock(START)
    report = relay(store, phone, clock)
    assert (report.delivered, report.failed, report.parked) == (3, 0, 0)
    assert phone.sent == ["n1", "n2", "n3"]
    assert relay(store, phone, clock).delivered == 0
    with store.transaction() as tx:
        assert tx.outbox.pending() == []


def test_failures_are_recorded_and_retried_until_parked(store: Store) -> None:
    queue(store, 1)
    queue(store, 2)
    phone = Phone(fail={"n1"})
    clock = FixedClock(START)
    assert str(relay(store, phone, clock, max_attempts=2)) == "1 delivered, 1 failed, 0 parked"
    assert str(relay(store, phone, clock, max_attempts=2)) == "0 delivered, 1 failed, 0 parked"
    assert str(relay(store, phone, clock, max_attempts=2)) == "0 delivered, 0 failed, 1 parked"
    with store.transaction() as tx:
        (stuck,) = tx.outbox.pending()
    assert (stuck.id, stuck.attempts, stuck.last_error) == ("m1", 2, "gateway busy")
    phone.fail.clear()
    assert relay(store, phone, clock).delivered == 1
    assert phone.sent == ["n2", "n1"]


def test_a_handler_that_raises_or_an_unknown_topic_counts_as_failed(store: Store) -> None:
    queue(store, 1)
    with store.transaction() as tx:
        tx.outbox.add(
            OutboxMessage(id="p1", topic="payment", dedup_key="pay:1", payload={}, created_at=START)
        )

    def explode(message: OutboxMessage) -> None:
        raise ConnectionError("bank offline")

    report = relay(store, {"payment": explode}, FixedClock(START))
    assert (report.delivered, report.failed) == (0, 2)
    with store.transaction() as tx:
        errors = {m.id: m.last_error for m in tx.outbox.pending()}
    assert errors == {
        "p1": "ConnectionError: bank offline",
        "m1": "LookupError: no handler for topic 'notification'",
    }


def test_the_deduping_notifier_sends_a_redelivered_key_once(store: Store) -> None:
    phone = Phone()
    dedup = SqlInboxDedup(store, "sms", FixedClock(START)) if isinstance(store, SqlStore) else MemoryDedup()
    once = DedupingNotifier(phone, dedup)
    for _ in range(3):
        assert once.send(notification(1)).delivered
    assert phone.sent == ["n1"]
    failing = DedupingNotifier(Phone(fail={"n2"}), dedup)
    assert not failing.send(notification(2)).delivered
    assert once.send(notification(2)).delivered  # a failed send does not use up the key
    assert phone.sent == ["n1", "n2"]


# --- crash safety -----------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime
    from store_entities import Widget, all_mappings
    from loanfactory.adapters.sql import SqlStore, relay
    from loanfactory.entity import CST
    from loanfactory.ports import Channel, Notification, OutboxMessage
    from loanfactory.testing import FixedClock
    from test_store_outbox import receive

    url, phase = sys.argv[1], sys.argv[2]
    at = datetime(2024, 3, 1, 9, 0, tzinfo=CST)
    store = SqlStore(url, mappings=all_mappings(), clock=FixedClock(at), cipher=None)
    note = Notification(id="n1", recipient="c1", channel=Channel.sms, template="approval_result",
                        body="您的申请已批准", dedup_key="approval:app1")
    with store.transaction() as tx:  # the state change and its notification, together
        tx.repo(Widget).add(Widget(id="app1", owner_id="c1", label="approved"))
        tx.outbox.add(OutboxMessage(id="m1", topic="notification", dedup_key=note.dedup_key,
                                    payload=note.model_dump(mode="json"), created_at=at))
    print("committed", flush=True)
    if phase == "before-delivery":
        os.kill(os.getpid(), signal.SIGKILL)

    def deliver_then_die(message):
        receive(store, message)
        os.kill(os.getpid(), signal.SIGKILL)  # delivered, but never marked

    relay(store, deliver_then_die, FixedClock(at))
    """
)


def receive(store: SqlStore, message: OutboxMessage) -> bool:
    """The receiving side: its effect (an 'sms.sent' event) and the dedup key commit together."""
    with store.transaction() as tx:
        if tx.inbox.accept(message.dedup_key, receiver="sms", at=START):
            tx.events.append(
                DomainEvent(
                    id=f"sms:{message.dedup_key}",
                    type="sms.sent",
                    subject=message.payload["recipient"],
                    at=START,
                )
            )
    return True


@pytest.mark.parametrize("phase", ["before-delivery", "after-delivery"])
def test_a_process_killed_around_delivery_delivers_exactly_once_after_restart(
    sql_databases: Databases, phase: str
) -> None:
    url = sql_databases.url()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, url, phase],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert child.stdout.strip() == "committed"

    store = sql_databases.store(url)  # the restart
    assert isinstance(store, SqlStore)
    with store.transaction() as tx:
        assert tx.repo(Widget).get("app1").label == "approved"
        assert [m.id for m in tx.outbox.pending()] == ["m1"]  # never marked delivered
        already = len(tx.events.for_subject("c1"))
    assert already == (1 if phase == "after-delivery" else 0)

    for _ in range(3):  # restarts and repeated relay passes change nothing more
        relay(store, lambda message: receive(store, message), FixedClock(START + timedelta(minutes=1)))
    with store.transaction() as tx:
        sent = tx.events.for_subject("c1")
        assert [e.id for e in sent] == ["sms:approval:app1"]
        assert tx.outbox.pending() == []
        assert tx.outbox.get("m1") is not None
        delivered = tx.outbox.get("m1")
        assert delivered is not None
        assert delivered.delivered_at == START + timedelta(minutes=1)
    assert isinstance(delivered.delivered_at, datetime)

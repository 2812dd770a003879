"""Result feedback through the outbox: queued with the change, relayed at least once, retried."""

from __future__ import annotations

import pytest
from orig_decider import scripted
from orig_samples import CHEN_ID, LI_ID, NOW, Keys, individual, request, valid_id

from loanfactory.catalog import LoadedCatalog
from loanfactory.entity import SequentialIds
from loanfactory.notices import NOTICE_KINDS
from loanfactory.origination import Origination, relay_outbox
from loanfactory.ports import DeliveryReceipt, Notification
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc

NEAR = valid_id("32010219850615002")


def service(catalog: LoadedCatalog, store: MemoryStore, notifier: RecordingNotifier) -> Origination:
    return Origination(
        store=store,
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas={LI_ID: "prime", CHEN_ID: "severe", NEAR: "near-prime"}),
        notifier=notifier,
        clock=FixedClock(NOW),
        ids=SequentialIds(),
        decider=scripted,
    )


def pending(store: MemoryStore) -> int:
    with store.transaction() as tx:
        return len(tx.outbox.pending())


def test_notices_are_queued_with_the_decision_and_sent_once(catalog: LoadedCatalog, key: Keys) -> None:
    store, notifier = MemoryStore(), RecordingNotifier()
    origination = service(catalog, store, notifier)
    customer = origination.register_customer(individual(), idempotency_key=key(), language="en")
    origination.originate(request(customer.id), idempotency_key=key())
    assert notifier.sent == []  # nothing is sent inline
    assert pending(store) == 1
    report = origination.relay_notifications()
    assert len(report.delivered) == 1
    assert pending(store) == 0
    notice = notifier.sent[0]
    assert notice.language == "en"
    assert notice.template == "approval_result"
    assert "APR" in notice.body
    assert set(notice.data) == NOTICE_KINDS["approval_result"].field_names  # the registered fields
    assert origination.relay_notifications().delivered == []


def test_a_rejection_lists_every_reason_in_the_customers_language(catalog: LoadedCatalog, key: Keys) -> None:
    store, notifier = MemoryStore(), RecordingNotifier()
    origination = service(catalog, store, notifier)
    customer = origination.register_customer(individual(CHEN_ID, "陈晨"), idempotency_key=key())
    origination.originate(request(customer.id), idempotency_key=key())
    origination.relay_notifications()
    notice = notifier.sent[0]
    assert notice.template == "rejection"
    assert "严重不良记录" in notice.body
    assert any("严重不良记录" in reason for reason in notice.data["reasons"])  # in the customer's language


def test_failed_deliveries_are_retried_then_left_for_an_operator(catalog: LoadedCatalog, key: Keys) -> None:
    store = MemoryStore()
    origination = service(catalog, store, RecordingNotifier())
    customer = origination.register_customer(individual(), idempotency_key=key())
    origination.originate(request(customer.id), idempotency_key=key())
    flaky = RecordingNotifier(fail_first=2)
    clock = FixedClock(NOW)
    assert relay_outbox(store, flaky, clock).failed
    assert relay_outbox(store, flaky, clock).failed
    assert relay_outbox(store, flaky, clock).delivered
    assert len(flaky.sent) == 1
    origination.originate(
        request(customer.id, product_code="salary_loan", channel="app"), idempotency_key=key()
    )
    dead = RecordingNotifier(unreachable={customer.id})
    for _ in range(3):
        relay_outbox(store, dead, clock, max_attempts=3)
    assert relay_outbox(store, dead, clock, max_attempts=3).skipped


class Broken:
    """A notifier with a bug: the relay records the error and goes on."""

    def send(self, notification: Notification) -> DeliveryReceipt:
        raise RuntimeError("template engine exploded")


def test_a_crashing_notifier_does_not_stop_the_relay(catalog: LoadedCatalog, key: Keys) -> None:
    store = MemoryStore()
    origination = service(catalog, store, RecordingNotifier())
    customer = origination.register_customer(individual(), idempotency_key=key())
    origination.originate(request(customer.id), idempotency_key=key())
    report = relay_outbox(store, Broken(), FixedClock(NOW))
    assert len(report.failed) == 1
    with store.transaction() as tx:
        message = tx.outbox.pending()[0]
    assert message.attempts == 1
    assert message.last_error is not None
    assert "exploded" in message.last_error


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_review_and_return_notices(catalog: LoadedCatalog, key: Keys, lang: str) -> None:
    store, notifier = MemoryStore(), RecordingNotifier()
    origination = service(catalog, store, notifier)
    customer = origination.register_customer(individual(NEAR, "周静"), idempotency_key=key(), language=lang)
    result = origination.originate(request(customer.id), idempotency_key=key())
    assert result.task is not None
    origination.claim_task(result.task.id, "alice", role="officer", idempotency_key=key())
    origination.return_task(
        result.task.id, "alice", role="officer", missing=("bank statement",), idempotency_key=key()
    )
    origination.relay_notifications()
    templates = [n.template for n in notifier.to(customer.id)]
    assert templates == ["application_pending", "returned"]
    assert notifier.to(customer.id)[-1].data["missing"] == ["bank statement"]
    staff = [n for n in notifier.sent if n.recipient == "credit-reviewer"]
    assert staff
    assert staff[0].template == "review_task"

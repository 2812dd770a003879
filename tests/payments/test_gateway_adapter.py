"""The HTTP gateway adapter against a separate payment-system process: signed both ways, the same
instruction (same key) resent while the outcome is unknown, an enquiry to settle it, and never a
trusted answer that is not signed by the payment system."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from payment_support import START, GatewayProcess, Keys, http_gateway

from loanfactory.adapters.payments import Ed25519Key, HmacKey, HttpPaymentGateway, Signer, Verifier
from loanfactory.ports import PaymentDirection, PaymentInstruction, PaymentStatus, ServiceUnavailable

D = Decimal
Make = Callable[..., HttpPaymentGateway]


@pytest.fixture
def adapter(keys: Keys, gateway: GatewayProcess) -> Iterator[Make]:
    """Adapters to the gateway process (closed at the end); keyword arguments override."""
    made: list[HttpPaymentGateway] = []

    def make(**changes: Any) -> HttpPaymentGateway:
        options: dict[str, Any] = {
            "signer": Signer(keys.lender_key),
            "verifier": keys.verifier(),
            "timeout": 5.0,  # generous: counts of submissions below must not depend on the machine's load
            "retries": 2,
            "backoff": 0.02,
            **changes,
        }
        made.append(HttpPaymentGateway(gateway.url, **options))
        return made[-1]

    yield make
    for each in made:
        each.close()


def instruction(
    n: int, amount: str = "1000.00", direction: PaymentDirection = PaymentDirection.payout
) -> PaymentInstruction:
    return PaymentInstruction(
        id=f"ord_{n}",
        direction=direction,
        loan_id=f"loan_{n}",
        amount=D(amount),
        account="6222020200112233",
        account_name="张三",
        idempotency_key=f"ord_{n}",
        requested_at=START,
    )


def test_a_payment_is_signed_both_ways_and_made_once_per_key(adapter: Make, gateway: GatewayProcess) -> None:
    client = adapter()
    first = client.submit(instruction(1))
    assert (first.status, first.amount, first.instruction_id) == (
        PaymentStatus.succeeded,
        D("1000.00"),
        "ord_1",
    )
    assert first.reference
    assert client.submit(instruction(1)) == first  # the same key: the first answer, no second payment
    assert client.status("ord_1") == first
    book = gateway.book()
    assert (book["payments"], book["submissions"], book["payout"]) == (1, 2, "1000.00")


def test_server_errors_before_executing_are_retried_with_the_same_key(
    adapter: Make, gateway: GatewayProcess
) -> None:
    gateway.faults(fail_first=2)
    assert adapter().submit(instruction(2)).status is PaymentStatus.succeeded
    book = gateway.book()
    assert (book["submissions"], book["payments"]) == (3, 1)


def test_an_answer_lost_after_executing_is_settled_by_enquiry(adapter: Make, gateway: GatewayProcess) -> None:
    gateway.faults(drop_rate=1.0)
    assert adapter().submit(instruction(3)).status is PaymentStatus.succeeded
    book = gateway.book()
    assert (book["payments"], book["submissions"], book["payout"]) == (1, 3, "1000.00")


def test_a_timeout_is_settled_by_enquiry_never_by_a_new_reference(
    adapter: Make, gateway: GatewayProcess
) -> None:
    gateway.faults(delay_rate=1.0, delay=2.0)
    assert adapter(timeout=1.0).submit(instruction(4)).status is PaymentStatus.succeeded
    book = gateway.book()
    assert book["payments"] == 1  # three submissions of one key, one payment
    assert book["succeeded"] == {"ord_4": "1000.00"}


def test_an_outcome_nobody_can_tell_raises_and_the_resubmission_pays_once(
    adapter: Make, gateway: GatewayProcess
) -> None:
    gateway.faults(fail_first=10)
    client = adapter()
    with pytest.raises(ServiceUnavailable):
        client.submit(instruction(5))
    assert gateway.book()["payments"] == 0
    gateway.faults(fail_first=0)
    assert client.submit(instruction(5)).status is PaymentStatus.succeeded
    assert gateway.book()["payments"] == 1
    with pytest.raises(ServiceUnavailable):
        client.status("ord_never_sent")


def test_a_pending_answer_and_a_partial_debit_are_reported_as_they_are(
    adapter: Make, gateway: GatewayProcess
) -> None:
    gateway.faults(pending_rate=1.0, partial_rate=1.0)
    client = adapter()
    first = client.submit(instruction(6, "100.00", PaymentDirection.debit))
    assert first.status is PaymentStatus.pending
    final = client.status("ord_6")
    assert (final.status, final.amount) == (PaymentStatus.succeeded, D("40.00"))


def test_answers_not_signed_by_the_payment_system_are_never_trusted(
    adapter: Make, gateway: GatewayProcess
) -> None:
    impostor = Verifier([Ed25519Key.generate("paysys-1").public_only()])
    with pytest.raises(ServiceUnavailable):
        adapter(verifier=impostor, retries=1).submit(instruction(7))
    assert gateway.book()["payments"] == 1  # it was paid, but an unverifiable answer is no answer


def test_a_lender_key_the_payment_system_does_not_know_is_refused(
    adapter: Make, gateway: GatewayProcess
) -> None:
    stranger = adapter(signer=Signer(HmacKey("lender-1", b"\x07" * 32)), retries=0)
    with pytest.raises(ServiceUnavailable, match="401"):
        stranger.submit(instruction(8))
    book = gateway.book()
    assert (book["payments"], book["refused_requests"]) == (0, 1)


def test_the_adapter_is_a_context_manager(keys: Keys, gateway: GatewayProcess) -> None:
    with http_gateway(keys, gateway.url) as client:
        assert client.submit(instruction(9)).status is PaymentStatus.succeeded

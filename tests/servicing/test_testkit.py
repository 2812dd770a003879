"""The simulated gateway and signer behave as documented (they are part of the public test kit)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from loanfactory.ports import PaymentDirection, PaymentInstruction, PaymentStatus, SignatureMethod
from loanfactory.testing import FixedClock, SimulatedGateway, SimulatedSigner


def _instruction(
    n: int, direction: PaymentDirection = PaymentDirection.debit, amount: str = "100", account: str = "acct"
) -> PaymentInstruction:
    clock = FixedClock(date(2026, 1, 1))
    return PaymentInstruction(
        id=f"i{n}",
        direction=direction,
        loan_id="l",
        amount=Decimal(amount),
        account=account,
        account_name="n",
        idempotency_key=f"k{n}",
        requested_at=clock.now(),
    )


def test_same_seed_same_outcomes() -> None:
    clock = FixedClock(date(2026, 1, 1))
    runs = []
    for _ in range(2):
        gateway = SimulatedGateway(clock, seed=5, failure_rate=0.3, timeout_rate=0.3, duplicate_rate=0.3)
        runs.append([gateway.submit(_instruction(n)).status for n in range(50)])
    assert runs[0] == runs[1]
    assert {PaymentStatus.succeeded, PaymentStatus.failed, PaymentStatus.pending} <= set(runs[0])


def test_resubmission_is_answered_not_repeated() -> None:
    gateway = SimulatedGateway(FixedClock(date(2026, 1, 1)))
    gateway.fund("acct", Decimal("150"))
    first = gateway.submit(_instruction(1))
    assert first.status is PaymentStatus.succeeded
    assert gateway.submit(_instruction(1)) == first
    assert gateway.balance("acct") == Decimal("50")
    assert gateway.submit(_instruction(2)).reason == "insufficient-funds"
    assert gateway.settled(PaymentDirection.debit) == Decimal("100")


def test_timeouts_reveal_their_outcome_through_status() -> None:
    gateway = SimulatedGateway(FixedClock(date(2026, 1, 1)), timeout_rate=1.0)
    assert gateway.submit(_instruction(1)).status is PaymentStatus.pending
    assert gateway.submit(_instruction(1)).status is PaymentStatus.pending
    assert gateway.status("i1").status is PaymentStatus.succeeded
    assert gateway.submit(_instruction(1)).status is PaymentStatus.succeeded
    assert gateway.status("nope").reason == "unknown-instruction"
    with pytest.raises(ValueError):
        SimulatedGateway(FixedClock(date(2026, 1, 1)), failure_rate=2)


def test_signatures_verify_and_any_change_breaks_them() -> None:
    signer = SimulatedSigner()
    at = FixedClock(date(2026, 1, 1)).now()
    record = signer.sign(
        document_sha256="ab" * 32, signer="c1", signer_role="borrower", method=SignatureMethod.face, at=at
    )
    assert signer.verify(record)
    for change in (
        {"signer": "c2"},
        {"document_sha256": "cd" * 32},
        {"signed_at": at + timedelta(seconds=1)},
        {"signer_role": "lender"},
        {"method": SignatureMethod.sms_code},
    ):
        assert not signer.verify(record.model_copy(update=change))
    assert not SimulatedSigner(b"other-ca").verify(record)
    with pytest.raises(ValueError):
        SimulatedSigner(b"")

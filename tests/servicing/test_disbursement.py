"""Disbursement: single and staged payouts through a gateway that fails, times out and repeats itself."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from servicing_world import World, product

from loanfactory.conventions import RepaymentMethod
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.ports import OutboxMessage, PaymentStatus
from loanfactory.servicing import CreditLines, Disbursement, EntryType, LoanStatus, OrderStatus


class RecordingLines(CreditLines):
    """Credit lines that remember occupations and releases (and refuse a repeated key)."""

    def __init__(self) -> None:
        self.moves: list[tuple[str, str, Decimal, str]] = []

    def occupy(
        self, tx: Any, *, line_id: str, loan_id: str, product_code: str, amount: Decimal, day: date, key: str
    ) -> None:
        assert key not in {m[3] for m in self.moves}
        self.moves.append(("occupy", line_id, amount, key))

    def release(
        self, tx: Any, *, line_id: str, loan_id: str, product_code: str, amount: Decimal, day: date, key: str
    ) -> None:
        assert key not in {m[3] for m in self.moves}
        self.moves.append(("release", line_id, amount, key))

    def occupied(self) -> Decimal:
        return sum((m[2] if m[0] == "occupy" else -m[2] for m in self.moves), Decimal(0))


def _payments(world: World) -> list[OutboxMessage]:
    with world.store.transaction() as tx:
        return [m for m in tx.outbox.pending(10_000) if m.topic == "payment"]


def test_a_payout_is_an_order_and_an_instruction_until_the_gateway_answers(world: World) -> None:
    loan_id = world.signed()
    order = world.servicing.disburse(loan_id, key="d-1")
    assert order.status is OrderStatus.requested
    assert order.amount == Decimal("10000")
    assert [m.payload["id"] for m in _payments(world)] == [order.id]
    assert world.entries(loan_id) == []  # no money moved yet, nothing posted
    world.servicing.relay_payments()
    loan = world.servicing.loan(loan_id)
    assert loan.status is LoanStatus.active
    assert loan.start == date(2026, 1, 5)
    [entry] = world.entries(loan_id)
    assert entry.type == EntryType.disbursement
    assert entry.principal == Decimal("10000")
    with world.store.transaction() as tx:
        notes = [m.payload["template"] for m in tx.outbox.pending(100) if m.topic == "notification"]
    assert "disbursement_notice" in notes


def test_the_same_key_never_pays_twice(world: World) -> None:
    loan_id = world.signed()
    first = world.servicing.disburse(loan_id, key="d-1")
    assert world.servicing.disburse(loan_id, key="d-1") == first
    world.servicing.relay_payments()
    with pytest.raises(StateConflict, match="already"):
        world.servicing.disburse(loan_id, key="d-2")
    assert world.gateway.submissions == 1
    assert [e.type for e in world.entries(loan_id)] == ["disbursement"]


def test_unsigned_loans_are_not_paid_out(world: World) -> None:
    contract = world.servicing.open_loan(world.request(), key="open")
    with pytest.raises(StateConflict) as caught:
        world.servicing.disburse(contract.loan_id, key="d-1")
    assert caught.value.code == "not-signed"


def test_a_failed_payout_releases_the_line_and_may_be_ordered_again() -> None:
    lines = RecordingLines()
    world = World(failure_rate=1.0, credit_lines=lines)
    loan_id = world.signed(credit_line_id="line-1")
    world.servicing.disburse(loan_id, key="d-1")
    assert lines.occupied() == Decimal("10000")
    world.servicing.relay_payments()
    with world.store.transaction() as tx:
        [order] = tx.repo(Disbursement).list(loan_id=loan_id)
    assert order.status is OrderStatus.failed
    assert order.reason == "channel-error"
    assert lines.occupied() == 0
    assert world.entries(loan_id) == []
    assert world.servicing.loan(loan_id).status is LoanStatus.signed
    world.gateway.failure_rate = 0.0
    world.servicing.disburse(loan_id, key="d-2")
    world.servicing.relay_payments()
    assert world.servicing.loan(loan_id).status is LoanStatus.active
    assert lines.occupied() == Decimal("10000")


def test_a_timeout_stays_pending_until_the_status_is_asked() -> None:
    world = World(timeout_rate=1.0)
    loan_id = world.signed()
    world.servicing.disburse(loan_id, key="d-1")
    world.servicing.relay_payments()
    with world.store.transaction() as tx:
        [order] = tx.repo(Disbursement).list(loan_id=loan_id)
    assert order.status is OrderStatus.pending
    assert world.entries(loan_id) == []
    assert world.servicing.poll_payments() == 1
    assert [e.type for e in world.entries(loan_id)] == ["disbursement"]
    assert world.servicing.poll_payments() == 0


def test_duplicate_callbacks_change_nothing() -> None:
    world = World(duplicate_rate=1.0)
    loan_id = world.signed()
    world.servicing.disburse(loan_id, key="d-1")
    world.servicing.relay_payments()
    callbacks = world.gateway.callbacks()
    assert len(callbacks) == 2
    assert callbacks[0] == callbacks[1]
    assert [world.servicing.apply_payment_result(c) for c in callbacks] == [False, False]
    assert len(world.entries(loan_id)) == 1


def test_a_relay_that_crashed_after_submitting_resubmits_harmlessly(world: World) -> None:
    loan_id = world.signed()
    order = world.servicing.disburse(loan_id, key="d-1")
    [message] = _payments(world)
    from loanfactory.ports import PaymentInstruction

    world.gateway.submit(PaymentInstruction.model_validate(message.payload))  # sent, then the relay died
    world.servicing.relay_payments()
    assert world.gateway.submissions == 2
    assert len(world.entries(loan_id)) == 1
    assert world.gateway.status(order.id).status is PaymentStatus.succeeded


def _staged_world() -> World:
    return World(products={"supply_chain": product("supply_chain")})


def _staged(world: World) -> str:
    return world.signed(
        "supply_chain",
        amount=Decimal("1000000"),
        term=6,
        annual_rate=Decimal("0.06"),
        method=RepaymentMethod.interest_only,
        payee="上游供应商",
        payee_account="110022",
        payee_category="purchase-of-goods",
    )


def test_staged_payouts_follow_the_milestones_with_their_evidence() -> None:
    world = _staged_world()
    loan_id = _staged(world)
    with pytest.raises(InvalidInput, match="next tranche is 'contract_signed'"):
        world.servicing.disburse(loan_id, key="t-0", milestone="goods_delivered")
    with pytest.raises(StateConflict, match="receivable_confirmation") as caught:
        world.servicing.disburse(
            loan_id, key="t-1", milestone="contract_signed", evidence=("purchase_contract",)
        )
    assert caught.value.code == "evidence-missing"
    first = world.servicing.disburse(
        loan_id,
        key="t-1",
        milestone="contract_signed",
        evidence=("purchase_contract", "receivable_confirmation"),
    )
    assert first.amount == Decimal("300000.00")
    assert first.payee == "上游供应商"
    world.servicing.relay_payments()
    world.advance(20)
    second = world.servicing.disburse(
        loan_id, key="t-2", milestone="goods_delivered", evidence=("invoice", "delivery_note")
    )
    world.servicing.relay_payments()
    world.advance(10)
    third = world.servicing.disburse(
        loan_id, key="t-3", milestone="goods_accepted", evidence=("acceptance_certificate",)
    )
    world.servicing.relay_payments()
    assert first.amount + second.amount + third.amount == Decimal("1000000")
    loan = world.servicing.loan(loan_id)
    position = world.position(loan_id)
    assert position.disbursed == Decimal("1000000")
    assert position.principal == Decimal("1000000")
    assert sum(r.principal for r in loan.schedule) == Decimal("1000000")  # re-spread after each tranche
    with pytest.raises(StateConflict, match="every tranche"):
        world.servicing.disburse(loan_id, key="t-4", milestone="goods_accepted")


def test_forbidden_or_unlisted_uses_are_refused() -> None:
    world = _staged_world()
    loan_id = world.signed(
        "supply_chain",
        amount=Decimal("1000000"),
        term=6,
        annual_rate=Decimal("0.06"),
        method=RepaymentMethod.interest_only,
        payee="券商",
        payee_account="1",
        payee_category="securities",
    )
    with pytest.raises(StateConflict) as caught:
        world.servicing.disburse(
            loan_id,
            key="t-1",
            milestone="contract_signed",
            evidence=("purchase_contract", "receivable_confirmation"),
        )
    assert caught.value.code == "forbidden-use"
    world = World()
    loan_id = world.signed(payee_category="equipment")
    with pytest.raises(StateConflict) as caught:
        world.servicing.disburse(loan_id, key="d")
    assert caught.value.code == "use-not-allowed"


def test_entrusted_payment_needs_a_payee() -> None:
    world = World(products={"auto_loan": product("auto_loan")})
    loan_id = world.signed("auto_loan", amount=Decimal("100000"), term=36, annual_rate=Decimal("0.05"))
    with pytest.raises(StateConflict) as caught:
        world.servicing.disburse(loan_id, key="d")
    assert caught.value.code == "entrusted-payment"


def test_an_upfront_fee_is_charged_and_debited_on_the_day() -> None:
    world = World(products={"micro_business": product("micro_business")})
    loan_id = world.active(
        "micro_business",
        amount=Decimal("300000"),
        term=12,
        annual_rate=Decimal("0.06"),
        method=RepaymentMethod.interest_only,
    )
    fee = [e for e in world.entries(loan_id) if e.type == EntryType.fee]
    assert len(fee) == 1
    assert fee[0].fee > 0
    world.advance(1)
    assert world.position(loan_id).fee == 0  # the debit collected it


def test_a_batch_pays_what_it_can_and_names_what_it_cannot(world: World) -> None:
    good = [world.signed(customer_id=f"c{n}", account=f"62{n:06d}") for n in range(3)]
    unsigned = world.servicing.open_loan(world.request(customer_id="c9"), key="open-9").loan_id
    results = world.servicing.disburse_batch(
        [(good[0], "b-0"), (unsigned, "b-9"), (good[1], "b-1"), (good[2], "b-2")]
    )
    assert [type(r).__name__ for r in results] == [
        "Disbursement",
        "StateConflict",
        "Disbursement",
        "Disbursement",
    ]
    world.servicing.relay_payments()
    assert all(world.servicing.loan(loan_id).status is LoanStatus.active for loan_id in good)
    again = world.servicing.disburse_batch([(good[0], "b-0")])  # a resubmitted batch pays nothing twice
    assert again == results[:1]
    assert world.gateway.submissions == 3


# --- tranches: the id and the amount asked for, within the milestones --------------------------

CONTRACT = ("purchase_contract", "receivable_confirmation")
DELIVERY = ("invoice", "delivery_note")
ACCEPTANCE = ("acceptance_certificate",)


def test_a_tranche_draws_what_is_asked_and_leaves_the_rest_to_the_next() -> None:
    world = _staged_world()
    loan_id = _staged(world)
    first = world.servicing.disburse(
        loan_id, key="t-1", tranche=1, amount=Decimal("100000"), evidence=CONTRACT
    )
    assert (first.tranche, first.milestone, first.amount) == (1, "contract_signed", Decimal("100000"))
    world.servicing.relay_payments()
    view = world.servicing.commitment(loan_id)
    # by hand: 30 % of 1,000,000.00 allowed at the first milestone, 70 % by the second
    assert [(t.cap, t.status) for t in view.tranches] == [
        (Decimal("300000.00"), "paid"),
        (Decimal("700000.00"), "open"),
        (Decimal("1000000.00"), "later"),
    ]
    assert (view.paid, view.in_flight, view.remaining) == (Decimal("100000.00"), 0, Decimal("900000.00"))
    with pytest.raises(StateConflict) as caught:
        world.servicing.disburse(
            loan_id, key="t-2", milestone="goods_delivered", amount=Decimal("600000.01"), evidence=DELIVERY
        )
    assert caught.value.code == "tranche-exceeds-milestone"
    assert "600000.00" in caught.value.message  # 700,000 - 100,000 drawn
    second = world.servicing.disburse(loan_id, key="t-2", milestone="goods_delivered", evidence=DELIVERY)
    assert second.amount == Decimal("600000.00")  # the first tranche's undrawn 200,000 carried over
    third = world.servicing.disburse(loan_id, key="t-3", tranche=3, evidence=ACCEPTANCE)
    assert third.amount == Decimal("300000.00")
    world.servicing.relay_payments()
    done = world.servicing.commitment(loan_id)
    assert (done.paid, done.remaining) == (Decimal("1000000.00"), 0)
    assert [t.paid for t in done.tranches] == [
        Decimal("100000.00"),
        Decimal("600000.00"),
        Decimal("300000.00"),
    ]
    assert world.position(loan_id).principal == Decimal("1000000")


@pytest.mark.parametrize(
    ("asked", "error", "field"),
    [
        ({"milestone": "goods_delivred"}, "did you mean 'goods_delivered'", "milestone"),
        ({"tranche": 4}, "tranche must be 1 to 3", "tranche"),
        ({"tranche": 2, "milestone": "contract_signed"}, "tranche 2 is 'goods_delivered'", "tranche"),
        ({}, "name the tranche", "milestone"),
        ({"milestone": "contract_signed", "amount": Decimal("0")}, "positive", "amount"),
        ({"milestone": "contract_signed", "amount": Decimal("1.001")}, "two decimals", "amount"),
        ({"milestone": "contract_signed", "amount": Decimal("NaN")}, "positive", "amount"),
        ({"tranche": 2}, "next tranche is 'contract_signed'", "milestone"),
    ],
)
def test_a_tranche_asked_wrongly_is_refused_with_its_field(
    asked: dict[str, Any], error: str, field: str
) -> None:
    world = _staged_world()
    loan_id = _staged(world)
    with pytest.raises(InvalidInput, match=error) as caught:
        world.servicing.disburse(loan_id, key="bad", evidence=CONTRACT + DELIVERY, **asked)
    assert caught.value.field == field
    assert world.servicing.commitment(loan_id).remaining == Decimal("1000000.00")  # nothing ordered


def test_a_failed_tranche_may_be_drawn_again_and_counts_for_nothing() -> None:
    world = World(products={"supply_chain": product("supply_chain")}, failure_rate=1.0)
    loan_id = _staged(world)
    world.servicing.disburse(
        loan_id, key="t-1", milestone="contract_signed", amount=Decimal("5"), evidence=CONTRACT
    )
    world.servicing.relay_payments()
    view = world.servicing.commitment(loan_id)
    assert (view.paid, view.in_flight, view.tranches[0].status) == (0, 0, "open")
    again = world.servicing.disburse(loan_id, key="t-1b", tranche=1, evidence=CONTRACT)
    assert again.amount == Decimal("300000.00")


def test_a_loan_paid_in_one_amount_takes_only_its_whole_amount(world: World) -> None:
    loan_id = world.signed()
    for asked in ({"amount": Decimal("1.00")}, {"milestone": "x"}, {"tranche": 2}):
        with pytest.raises(InvalidInput):
            world.servicing.disburse(loan_id, key="bad", **asked)
    whole = world.servicing.disburse(loan_id, key="ok", tranche=1, amount=Decimal("10000.00"))
    assert whole.amount == Decimal("10000")
    view = world.servicing.commitment(loan_id)
    assert (view.in_flight, view.remaining, view.tranches[0].status) == (Decimal("10000.00"), 0, "in-flight")


# --- payout only to the verified account the loan names ----------------------------------------


def test_a_loan_whose_account_is_not_its_verified_account_is_not_paid(world: World) -> None:
    loan_id = world.signed()
    loan = world.servicing.loan(loan_id)
    with world.store.transaction() as tx:  # the account changed around the verified record
        tx.repo(type(loan)).update(loan.evolve(account="6217000011112222333", account_name="王五"))
    with pytest.raises(StateConflict) as caught:
        world.servicing.disburse(loan_id, key="d")
    assert caught.value.code == "payout-account-unverified"
    with world.store.transaction() as tx:
        assert tx.repo(Disbursement).list(loan_id=loan_id) == []
    unverified = world.signed(payout_account_id=None, customer_id="cust-2")
    with pytest.raises(StateConflict, match="verified account"):
        world.servicing.disburse(unverified, key="d2")

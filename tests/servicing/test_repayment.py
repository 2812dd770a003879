"""Repayment: confirmed and automatic payments, prepayment with re-amortisation, payoff, refunds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError
from servicing_world import World, product

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.servicing import DebitOrder, EntryType, LoanStatus, OrderStatus
from loanfactory.spec import Reamortisation

D = Decimal


def test_a_partial_payment_settles_the_oldest_dues_first(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund("6222020200112233", D(0))
    world.until(date(2026, 3, 6))
    result = world.repay(loan_id, D("500"))
    assert result.penalty > 0
    assert result.interest == D("100.00")
    assert result.principal == D("500") - result.penalty - D("100.00")
    assert result.due_after == world.position(loan_id).due_now > 0


def test_repay_is_idempotent_and_refuses_bad_amounts(world: World) -> None:
    loan_id = world.active()
    paid = world.confirmed(D("100"), reference="TRF-1")
    first = world.servicing.repay(loan_id, paid, key="p")
    assert world.servicing.repay(loan_id, paid, key="p") == first
    assert len([e for e in world.entries(loan_id) if e.type == EntryType.repayment]) == 1
    for bad in (D("0"), D("-1"), D("1.005"), D("NaN")):
        with pytest.raises(ValidationError):
            world.confirmed(bad)
        with pytest.raises(InvalidInput):
            world.servicing.request_repayment(loan_id, bad, key=f"bad-{bad}")
    with pytest.raises(StateConflict):  # same key, other arguments
        world.servicing.repay(loan_id, world.confirmed(D("100"), reference="TRF-2"), key="p")
    with pytest.raises(StateConflict) as caught:  # the same money under another key
        world.servicing.repay(loan_id, paid, key="p-again")
    assert caught.value.code == "reference-used"
    assert len([e for e in world.entries(loan_id) if e.type == EntryType.repayment]) == 1


def test_prepayment_keep_term_lowers_the_installment(world: World) -> None:
    loan_id = world.active()
    world.until(date(2026, 4, 20))  # three installments paid
    quote = world.servicing.payoff_quote(loan_id, principal=D("3000"))
    assert quote.due == 0
    assert quote.prepayment_fee == 0
    assert quote.accrued_interest > 0
    order, entry = world.prepaid(loan_id, "pp", principal=D("3000"), reamortisation=Reamortisation.keep_term)
    assert order.amount == order.collected == entry.amount == quote.total
    assert -entry.principal == D("3000")
    loan = world.servicing.loan(loan_id)
    future = [r for r in loan.schedule if r.due_date > date(2026, 4, 20)]
    assert len(future) == 9
    assert future[0].number == 4
    assert future[1].total < D("888.49")
    assert sum(r.principal for r in future) == world.position(loan_id).principal
    assert loan.schedule_version >= 2


def test_prepayment_keep_installment_shortens_the_term(world: World) -> None:
    loan_id = world.active()
    world.until(date(2026, 4, 20))
    world.prepaid(loan_id, "pp", principal=D("3000"), reamortisation=Reamortisation.keep_installment)
    future = [r for r in world.servicing.loan(loan_id).schedule if r.due_date > date(2026, 4, 20)]
    assert len(future) < 9
    assert all(r.total <= D("888.49") for r in future[:-1])
    assert sum(r.principal for r in future) == world.position(loan_id).principal


def test_paying_off_settles_the_loan_and_frees_the_schedule(world: World) -> None:
    loan_id = world.active()
    world.until(date(2026, 4, 20))
    quote = world.servicing.payoff_quote(loan_id)
    order, _ = world.prepaid(loan_id, "off")
    assert order.collected == quote.total
    assert world.servicing.loan(loan_id).status is LoanStatus.settled
    position = world.position(loan_id)
    assert position.owed == 0
    assert position.credit == 0
    loan = world.servicing.loan(loan_id)
    assert loan.closed_on == date(2026, 4, 20)
    assert all(r.due_date <= date(2026, 4, 20) for r in loan.schedule)
    world.advance(40)  # nothing more happens to a settled loan
    assert world.position(loan_id).owed == 0


def test_prepayment_rules_of_the_product(world: World) -> None:
    loan_id = world.active()
    with pytest.raises(StateConflict) as caught:
        world.servicing.request_prepayment(loan_id, key="early", principal=D("1000"))
    assert caught.value.code == "prepayment-too-early"
    world.until(date(2026, 4, 20))
    with pytest.raises(InvalidInput, match="not yet due"):
        world.servicing.request_prepayment(loan_id, key="too-much", principal=D("9000"))


def test_a_mortgage_prepayment_in_the_first_year_pays_the_penalty() -> None:
    world = World(products={"home_mortgage": product("home_mortgage")})
    loan_id = world.active(
        "home_mortgage",
        amount=D("1000000"),
        term=360,
        annual_rate=D("0.035"),
        payee="开发商",
        payee_account="6200222",
        payee_category="housing-purchase",
    )
    world.until(date(2026, 7, 10))
    assert world.products["home_mortgage"].prepayment.allowed_after_periods == 0
    quote = world.servicing.payoff_quote(loan_id, principal=D("100000"))
    assert quote.prepayment_fee == D("1000.00")  # 1 % of the amount prepaid within the first year
    order, entry = world.prepaid(loan_id, "pp", principal=D("100000"))
    fee = next(e for e in world.entries(loan_id) if e.idempotency_key == f"prepay-fee:{order.id}")
    assert fee.amount == D("1000.00") == -entry.fee
    assert order.collected == entry.amount == quote.total


def test_the_borrowers_credit_is_used_first_in_a_payoff(world: World) -> None:
    loan_id = world.active()
    world.until(date(2026, 4, 20))
    world.repay(loan_id, D("200"))  # nothing due: all credit
    quote = world.servicing.payoff_quote(loan_id)
    assert quote.credit == D("200")
    order, entry = world.prepaid(loan_id, "off")
    assert order.amount == entry.amount == quote.total  # only what the credit does not cover
    assert world.position(loan_id).credit == 0


def test_leftover_credit_is_refunded_through_the_gateway(world: World) -> None:
    loan_id = world.active()
    world.until(date(2026, 4, 20))
    world.prepaid(loan_id, "off")
    world.repay(loan_id, D("50"))  # a late transfer arrives after the loan is settled
    assert world.position(loan_id).credit == D("50")
    order = world.servicing.refund_credit(loan_id, key="rf")
    world.servicing.relay_payments()
    with world.store.transaction() as tx:
        assert tx.repo(DebitOrder).get(order.id).status is OrderStatus.succeeded
    assert world.position(loan_id).credit == 0
    with pytest.raises(StateConflict):
        world.servicing.refund_credit(loan_id, key="rf-2")


def test_a_failed_refund_holds_the_credit_again() -> None:
    world = World()
    loan_id = world.active()
    world.repay(loan_id, D("50"))
    world.until(date(2026, 1, 20))
    world.gateway.failure_rate = 1.0
    world.servicing.refund_credit(loan_id, key="rf")
    world.servicing.relay_payments()
    assert world.position(loan_id).credit == D("50")


def test_auto_debits_are_ordered_on_the_eve_and_retried(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund("6222020200112233", D(0))
    world.until(date(2026, 2, 20))
    with world.store.transaction() as tx:
        orders = tx.repo(DebitOrder).list(loan_id=loan_id)
    days = sorted(o.due_on for o in orders)
    assert days[0] == date(2026, 2, 5)
    assert all(o.status is OrderStatus.failed for o in orders if o.due_on < date(2026, 2, 20))
    assert date(2026, 2, 7) in days
    assert date(2026, 2, 13) in days
    world.gateway.fund("6222020200112233", D("100000"))
    world.until(date(2026, 2, 28))
    assert world.position(loan_id).due_now == 0


def test_the_schedule_query_shows_each_installment_with_its_payments(world: World) -> None:
    from loanfactory.servicing import InstallmentState

    loan_id = world.active()
    world.until(date(2026, 3, 1))  # the 02-05 installment is auto-debited
    world.gateway.fund("6222020200112233", D(0))
    world.until(date(2026, 3, 10))  # 03-05 missed
    penalty = world.position(loan_id).penalty
    assert penalty > 0
    world.repay(loan_id, D("300"))
    rows = world.servicing.installments(loan_id)
    assert [r.state for r in rows[:3]] == [
        InstallmentState.paid,
        InstallmentState.overdue,
        InstallmentState.future,
    ]
    assert rows[0].outstanding == 0
    assert rows[1].days_past_due == 5
    assert rows[1].paid == D("300") - penalty
    assert rows[1].outstanding == D("888.49") - rows[1].paid
    assert sum(r.principal for r in rows) == D("10000")


def test_a_payoff_quote_or_prepayment_before_the_value_date_is_refused(world: World) -> None:
    loan_id = world.active()  # value date 2026-01-05
    start = world.servicing.loan(loan_id).start
    assert start == date(2026, 1, 5)
    for attempt in (
        lambda: world.servicing.payoff_quote(loan_id, on=date(2026, 1, 4)),
        lambda: world.servicing.payoff_quote(loan_id, on=date(1970, 1, 1), principal=D("100")),
    ):
        with pytest.raises(InvalidInput) as refused:
            attempt()
        assert refused.value.code == "before-value-date"
        assert refused.value.field == "on"
        assert "2026-01-05" in (refused.value.message_zh or "")
    early = world.confirmed(D("10000"), on=date(2026, 1, 4))  # money dated before the value date
    with pytest.raises(InvalidInput) as refused:
        world.servicing.prepay(loan_id, key="early", confirmation=early)
    assert refused.value.code == "before-value-date"
    assert refused.value.field == "settled_on"
    on_the_day = world.servicing.payoff_quote(loan_id, on=start)
    amount = world.servicing.loan(loan_id).amount
    assert on_the_day.principal == amount  # settling on the value date repays the principal ...
    assert on_the_day.accrued_interest == 0  # ... with no interest yet (算头不算尾: 0 days)
    assert world.position(loan_id).principal == amount  # nothing moved

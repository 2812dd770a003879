"""The ledger: append-only postings, derived balances, the allocation waterfall, reversals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from servicing_world import World

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.servicing import (
    AllocationPolicy,
    Component,
    Due,
    EntryType,
    LedgerIdentityError,
    LoanStatus,
    Postings,
    ServicingConfig,
    allocate,
    expected_change,
    owed_change,
    waterfall,
)
from loanfactory.servicing._position import PENALTY_KEY
from loanfactory.testing.servicing_strategies import allocation_policies, money

D = Decimal


def _dues() -> list[Due]:
    return [
        Due("2", date(2026, 3, 5), Component.principal, D("796.37")),
        Due("1", date(2026, 2, 5), Component.interest, D("100.00")),
        Due("1", date(2026, 2, 5), Component.principal, D("788.49")),
        Due("2", date(2026, 3, 5), Component.interest, D("92.12")),
        Due(PENALTY_KEY, date(2026, 3, 10), Component.penalty, D("12.34")),
    ]


def test_installment_scope_settles_the_oldest_installment_first() -> None:
    order = [(d.key, d.component.value) for d in waterfall(_dues(), AllocationPolicy())]
    assert order == [
        ("penalty", "penalty"),
        ("1", "interest"),
        ("1", "principal"),
        ("2", "interest"),
        ("2", "principal"),
    ]


def test_component_scope_settles_one_component_across_installments() -> None:
    policy = AllocationPolicy(
        order=(Component.interest, Component.principal, Component.penalty), scope="component"
    )
    order = [(d.key, d.component.value) for d in waterfall(_dues(), policy)]
    assert order == [
        ("1", "interest"),
        ("2", "interest"),
        ("1", "principal"),
        ("2", "principal"),
        ("penalty", "penalty"),
    ]


def test_penalty_after_principal_goes_last_in_installment_scope() -> None:
    policy = AllocationPolicy(order=(Component.interest, Component.principal, Component.penalty))
    assert waterfall(_dues(), policy)[-1].key == PENALTY_KEY


@given(money("0.01", "3000"), allocation_policies())
def test_allocation_never_exceeds_a_due_and_keeps_every_fen(
    amount: Decimal, policy: AllocationPolicy
) -> None:
    dues = _dues()
    split = allocate(amount, dues, policy)
    assert split.applied + split.rest == amount
    for due in dues:
        taken = sum(a for key, component, a in split.parts if key == due.key and component is due.component)
        assert 0 <= taken <= due.outstanding
    assert split.rest == max(D(0), amount - sum(d.outstanding for d in dues))


def test_on_time_payments_settle_installments_exactly(world: World) -> None:
    loan_id = world.active()
    world.until(date(2026, 4, 7))  # three installments auto-debited
    position = world.position(loan_id)
    assert position.principal == D("7610.80")
    assert position.interest == 0
    assert position.due_now == 0
    types = [e.type for e in world.entries(loan_id)]
    assert types.count("interest") == 3
    assert types.count("repayment") == 3
    assert "penalty" not in types


def test_an_overpayment_is_kept_as_credit_and_applied_on_the_next_due_date(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund("6222020200112233", D(0))  # auto-debits fail from now on
    result = world.repay(loan_id, D("1000"))
    assert result.credit == D("1000")
    assert result.principal == 0
    assert world.position(loan_id).credit == D("1000")
    world.until(date(2026, 2, 7))
    position = world.position(loan_id)
    assert position.credit == D("111.51")
    assert position.due_now == 0
    applied = [e for e in world.entries(loan_id) if e.type == EntryType.credit_applied]
    assert len(applied) == 1
    assert applied[0].business_date == date(2026, 2, 5)


def test_postings_must_balance(world: World) -> None:
    loan_id = world.active()
    with world.store.transaction() as tx, pytest.raises(LedgerIdentityError):
        Postings(tx, loan_id, world.clock.now()).post(
            EntryType.repayment, world.clock.today(), D("10"), key="bad", principal=D("-5")
        )


def test_every_posting_satisfies_the_identity(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund("6222020200112233", D(0))
    world.until(date(2026, 5, 1))
    world.servicing.waive(loan_id, D("1.00"), key="w", reason="goodwill")
    world.repay(loan_id, D("2500"))
    for entry in world.entries(loan_id):
        assert owed_change(entry) == expected_change(entry)


def test_a_waiver_touches_only_penalty_interest_or_fees(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund("6222020200112233", D(0))
    world.until(date(2026, 3, 1))
    penalty = world.position(loan_id).penalty
    assert penalty > 0
    with pytest.raises(InvalidInput):
        world.servicing.waive(loan_id, D("1"), key="w0", reason="x", components=(Component.principal,))
    with pytest.raises(StateConflict, match="only"):
        world.servicing.waive(loan_id, penalty + D("0.01"), key="w1", reason="x")
    world.servicing.waive(loan_id, penalty, key="w2", reason="hardship")
    assert world.position(loan_id).penalty == 0


def test_reversing_a_payment_replays_later_payments_and_recomputes_penalty() -> None:
    world = World()
    loan_id = world.active()
    world.gateway.fund("6222020200112233", D(0))
    world.until(date(2026, 3, 20))
    bounced = world.repay(loan_id, D("900"))
    world.until(date(2026, 4, 1))
    later = world.repay(loan_id, D("300"))
    world.until(date(2026, 4, 20))
    before = world.position(loan_id)
    result = world.reverse(loan_id, bounced.entry_id or "", key="rev", reason="bounced")
    assert result.reversed[0] == bounced.entry_id
    assert later.entry_id in result.reversed
    assert len(result.reposted) == 1
    assert result.penalty_adjustment > 0
    after = world.position(loan_id)
    assert after.repaid == before.repaid - D("900")
    # the same as if the 900 had never been paid: a world without it gives the same balances
    twin = World()
    twin_loan = twin.active()
    twin.gateway.fund("6222020200112233", D(0))
    twin.until(date(2026, 4, 1))
    twin.repay(twin_loan, D("300"))
    twin.until(date(2026, 4, 20))
    expected = twin.position(twin_loan)
    assert (after.principal, after.interest, after.penalty, after.fee, after.credit) == (
        expected.principal,
        expected.interest,
        expected.penalty,
        expected.fee,
        expected.credit,
    )
    with pytest.raises(StateConflict) as caught:
        world.reverse(loan_id, bounced.entry_id or "", key="rev-2", reason="again")
    assert caught.value.code == "already-reversed"


def test_reversal_reopens_a_settled_loan(world: World) -> None:
    loan_id = world.active()
    world.until(date(2027, 1, 7))  # every installment auto-debited
    assert world.servicing.loan(loan_id).status is LoanStatus.settled
    last = [e for e in world.entries(loan_id) if e.type == EntryType.repayment][-1]
    world.reverse(loan_id, last.id, key="rev", reason="recalled by the bank")
    loan = world.servicing.loan(loan_id)
    assert loan.status is LoanStatus.active
    assert world.position(loan_id).due_now == D("888.47") + world.position(loan_id).penalty


def test_a_payment_a_later_prepayment_used_cannot_be_reversed(world: World) -> None:
    loan_id = world.active()
    world.until(date(2026, 4, 10))
    world.repay(loan_id, D("50"))  # kept as credit, then used by the payoff
    world.servicing.request_prepayment(loan_id, key="payoff")
    world.deliver()
    extra = [e for e in world.entries(loan_id) if e.type == EntryType.repayment][-1]
    with pytest.raises(StateConflict) as caught:
        world.reverse(loan_id, extra.id, key="rev", reason="recalled")
    assert caught.value.code == "reversal-blocked"
    assert world.position(loan_id).credit == 0


def test_only_payments_can_be_reversed(world: World) -> None:
    loan_id = world.active()
    [disbursement] = world.entries(loan_id)
    with pytest.raises(InvalidInput):
        world.reverse(loan_id, disbursement.id, key="r", reason="x")


def test_write_off_clears_the_books_and_later_recoveries_are_cash() -> None:
    world = World()
    loan_id = world.active()
    world.gateway.fund("6222020200112233", D(0))
    world.until(date(2026, 6, 1))
    before = world.position(loan_id)
    result = world.servicing.write_off(loan_id, key="wo", reason="uncollectable")
    assert result.status is LoanStatus.written_off
    after = world.position(loan_id)
    assert after.owed == 0
    assert after.written_off == before.owed
    recovered = world.repay(loan_id, D("500"))
    assert recovered.credit == D("500")
    assert world.position(loan_id).repaid == before.repaid + D("500")
    world.until(date(2026, 10, 1))  # months later nothing has fallen due again
    later = world.repay(loan_id, D("300"))
    assert later.credit == D("300")
    assert later.principal == 0
    position = world.position(loan_id)
    assert position.principal == 0
    assert position.due_now == 0
    assert all(r.due_date <= date(2026, 6, 1) for r in world.servicing.loan(loan_id).schedule)


def test_a_configured_waterfall_is_frozen_into_the_loan() -> None:
    policy = AllocationPolicy(
        order=(Component.principal, Component.interest, Component.fee, Component.penalty), scope="component"
    )
    world = World(config=ServicingConfig(allocation_by_product={"consumer_credit": policy}))
    loan_id = world.active()
    assert world.servicing.loan(loan_id).terms.allocation == policy
    world.gateway.fund("6222020200112233", D(0))
    world.until(date(2026, 4, 1))
    result = world.repay(loan_id, D("1000"))
    assert result.principal == D("1000")  # principal first, across installments
    assert result.penalty == 0


@settings(deadline=None, max_examples=5)
@given(st.integers(1, 3))
def test_fold_as_of_an_earlier_date_ignores_later_postings(months: int) -> None:
    world = World()
    loan_id = world.active()
    world.advance(31 * months)
    early = world.position(loan_id, date(2026, 1, 5))
    assert early.principal == D("10000")
    assert early.interest == 0
    assert early.repaid == 0


def test_a_payment_taken_today_before_the_end_of_day_is_replayed_too(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund("6222020200112233", D(0))
    world.until(date(2026, 3, 1))
    first = world.repay(loan_id, D("400"))
    world.until(date(2026, 3, 10))
    world.repay(loan_id, D("300"))  # the end of day of 03-10 has not run yet
    result = world.reverse(loan_id, first.entry_id or "", key="rev", reason="bounced")
    assert len(result.reposted) == 1
    position = world.position(loan_id)
    assert position.repaid == D("300")
    assert position.penalty >= 0

"""Collateral disposal (抵押物处置): the workflow's states, roles and four-eyes, proceeds only as
confirmed money taken once, and the allocation checked to the fen against figures computed here by
hand (costs first, then what is due, then the principal not yet due; surplus refunded or held)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from servicing_world import World, product

from loanfactory.adapters.sql import SqlStore
from loanfactory.collateral_register import StoredCollateral
from loanfactory.errors import InvalidInput, NotPermitted, StateConflict
from loanfactory.origination import Collateral, CollateralStatus, PayoutAccount, Valuation, ValuationSource
from loanfactory.payout import AccountStatus
from loanfactory.ports import PaymentChannel, PaymentConfirmation
from loanfactory.servicing import (
    DebitOrder,
    Disposal,
    DisposalStatus,
    DisposalStep,
    EntryType,
    LoanStatus,
    Operator,
    OrderStatus,
    SaleMethod,
    Surplus,
)
from loanfactory.spec import CollateralRule, CollateralType, GuaranteePolicy, GuaranteeType
from loanfactory.testing import FixedClock

D = Decimal
CENT = D("0.01")
ACCOUNT = "6222020200112233"
COLLECTOR = Operator("coll-zhao", "collections")
OPS = Operator("ops-li", "operations")
CHECKER = Operator("ops-wang", "operations")
RISK = Operator("risk-qian", "risk-officer")
MARKETING = Operator("mkt-sun", "marketing")
SALE_DAY = date(2026, 6, 5)  # the fifth due date: no interest of the sixth period has accrued yet


def secured() -> World:
    spec = product("consumer_credit")
    mortgage = GuaranteePolicy(
        types=(GuaranteeType.mortgage,),
        collateral=(CollateralRule(type=CollateralType.vehicle, max_ltv=D("0.8")),),
    )
    return World(products={"consumer_credit": spec.model_copy(update={"guarantee": mortgage})})


def hand_balance(after_rows: int) -> tuple[D, D]:
    """(level installment, principal left after ``after_rows`` rows) of 10,000.00 over 12 months at
    12 % a year, monthly rate 1 %, each row's interest rounded half-up to the fen."""
    rate = D("0.01")
    level = (D(10000) * rate / (1 - (1 + rate) ** -12)).quantize(CENT, ROUND_HALF_UP)
    balance = D("10000.00")
    for _ in range(after_rows):
        interest = (balance * rate).quantize(CENT, ROUND_HALF_UP)
        balance -= level - interest
    return level, balance


def overdue_loan(world: World) -> str:
    loan_id = world.active()
    world.gateway.fund(ACCOUNT, D(0))  # every auto-debit fails from the first due date
    world.until(SALE_DAY)
    assert world.servicing.loan(loan_id).days_past_due >= 90
    return loan_id


def sold(world: World, loan_id: str, *, price: D, costs: D) -> Disposal:
    d = world.servicing.disposals
    record = d.request(loan_id, reason="逾期 90 天以上，处置抵押车辆", operator=COLLECTOR, key=world.key())
    d.appraise(
        record.id,
        value=D("80000.00"),
        appraiser="某评估公司",
        reference="PG-1",
        operator=COLLECTOR,
        key=world.key(),
    )
    d.approve(record.id, operator=RISK, key=world.key())
    method = SaleMethod.judicial_auction
    d.start_sale(record.id, method=method, reference="PM-2026-1", operator=COLLECTOR, key=world.key())
    return d.record_sale(
        record.id, price=price, costs=costs, sold_on=SALE_DAY, operator=COLLECTOR, key=world.key()
    )


def proceeds(amount: D, reference: str = "AUCTION-1") -> PaymentConfirmation:
    return PaymentConfirmation(
        channel=PaymentChannel.bank_transfer, reference=reference, amount=amount, settled_on=SALE_DAY
    )


def test_a_shortfall_pays_costs_then_dues_then_principal_and_leaves_the_rest_owed() -> None:
    world = secured()
    loan_id = overdue_loan(world)
    penalty = world.position(loan_id).penalty  # charged by the end of day, not by the disposal
    level, left = hand_balance(5)
    due = 5 * level  # five installments due and unpaid on the fifth due date
    record = sold(world, loan_id, price=D("6000.00"), costs=D("500.00"))
    d = world.servicing.disposals
    d.receive_proceeds(record.id, proceeds(D("6000.00")), operator=OPS, key="in-1")
    done = d.allocate(record.id, surplus=Surplus.refund, operator=OPS, key="alloc-1")

    prepaid = D("6000.00") - D("500.00") - penalty - due  # no interest of period 6 accrued yet
    assert done.status is DisposalStatus.allocated
    assert done.applied == D("6000.00")
    assert done.surplus == 0
    assert done.shortfall == left - prepaid
    position = world.position(loan_id, SALE_DAY)
    assert position.principal == left - prepaid
    assert position.due_now == 0
    assert position.credit == 0
    [cost] = [e for e in world.entries(loan_id) if e.idempotency_key == f"disposal-costs:{record.id}"]
    assert cost.type == EntryType.fee
    assert cost.amount == D("500.00")
    [repayment] = [e for e in world.entries(loan_id) if e.idempotency_key == f"disposal:{record.id}"]
    assert repayment.amount == D("6000.00")
    assert repayment.data["allocation"][0] == [f"u:{cost.id}", "fee", "500.00"]  # costs first
    assert repayment.data["reference"] == "AUCTION-1"
    [prepayment] = [e for e in world.entries(loan_id) if e.type == EntryType.prepayment]
    assert -prepayment.principal == prepaid
    assert prepayment.amount == 0
    world.advance(1)  # the end of day ages the loan again: nothing is past due any more
    loan = world.servicing.loan(loan_id)
    assert loan.status is LoanStatus.active
    assert loan.days_past_due == 0
    with world.store.transaction() as tx:
        order = tx.repo(DebitOrder).get(done.order_id or "")
    assert order.status is OrderStatus.succeeded
    assert order.collected == D("6000.00")
    with world.store.transaction() as tx:
        [told] = [
            m for m in tx.outbox.pending(1000, topic="notification") if m.dedup_key == f"disposal:{record.id}"
        ]
    assert f"尚欠 {left - prepaid} 元" in told.payload["body"]  # the borrower is told what is still owed
    closed = d.close(record.id, operator=COLLECTOR, key="close-1")
    assert closed.status is DisposalStatus.closed
    assert [s.status for s in closed.steps] == list(DisposalStatus)[:8]


@pytest.mark.parametrize("handling", [Surplus.refund, Surplus.hold])
def test_proceeds_beyond_the_whole_debt_settle_the_loan_and_the_rest_is_refunded_or_held(
    handling: Surplus,
) -> None:
    world = secured()
    loan_id = overdue_loan(world)
    penalty = world.position(loan_id).penalty
    level, left = hand_balance(5)
    debt = D("300.00") + penalty + 5 * level + left
    record = sold(world, loan_id, price=D("15000.00"), costs=D("300.00"))
    d = world.servicing.disposals
    d.receive_proceeds(record.id, proceeds(D("15000.00")), operator=OPS, key="in")
    done = d.allocate(record.id, surplus=handling, operator=OPS, key="alloc")

    assert done.surplus == D("15000.00") - debt
    assert done.applied == debt
    assert done.shortfall == 0
    assert world.servicing.loan(loan_id).status is LoanStatus.settled
    position = world.position(loan_id, SALE_DAY)
    assert position.owed == 0
    if handling is Surplus.hold:
        assert position.credit == done.surplus
        assert done.refund_order_id is None
        return
    assert position.credit == 0
    with world.store.transaction() as tx:
        refund = tx.repo(DebitOrder).get(done.refund_order_id or "")
    assert refund.amount == done.surplus
    world.deliver()  # the refund goes out to the borrower's verified account
    with world.store.transaction() as tx:
        assert tx.repo(DebitOrder).get(refund.id).status is OrderStatus.succeeded


def test_states_roles_and_four_eyes_are_enforced() -> None:
    world = secured()
    loan_id = overdue_loan(world)
    d = world.servicing.disposals
    with pytest.raises(NotPermitted):
        d.request(loan_id, reason="x", operator=MARKETING, key="r0")
    record = d.request(loan_id, reason="处置", operator=COLLECTOR, key="r1")
    assert d.request(loan_id, reason="处置", operator=COLLECTOR, key="r1") == record  # replayed
    with pytest.raises(StateConflict) as open_one:
        d.request(loan_id, reason="again", operator=COLLECTOR, key="r2")
    assert open_one.value.code == "disposal-open"
    with pytest.raises(StateConflict) as early:
        d.approve(record.id, operator=RISK, key="a0")  # not appraised yet
    assert early.value.code == "disposal-state"
    d.appraise(record.id, value=D("50000.00"), appraiser="评估", reference="P1", operator=COLLECTOR, key="p1")
    with pytest.raises(NotPermitted):
        d.approve(record.id, operator=COLLECTOR, key="a1")  # not a relief role
    with pytest.raises(NotPermitted) as same:
        d.approve(record.id, operator=Operator("coll-zhao", "risk-officer"), key="a2")
    assert same.value.code == "four-eyes"
    d.approve(record.id, operator=RISK, key="a3")
    with pytest.raises(StateConflict):
        d.record_sale(record.id, price=D("1.00"), costs=D(0), sold_on=SALE_DAY, operator=COLLECTOR, key="s0")
    d.start_sale(record.id, method=SaleMethod.auction, reference="AH-1", operator=COLLECTOR, key="s1")
    with pytest.raises(InvalidInput):
        d.record_sale(
            record.id, price=D("100.00"), costs=D("100.01"), sold_on=SALE_DAY, operator=COLLECTOR, key="s2"
        )
    with pytest.raises(InvalidInput):
        d.record_sale(record.id, price=D("-1"), costs=D(0), sold_on=SALE_DAY, operator=COLLECTOR, key="s3")
    failed = d.fail(record.id, reason="流拍", operator=COLLECTOR, key="f1")
    assert failed.status is DisposalStatus.failed
    with pytest.raises(StateConflict):
        d.withdraw(record.id, reason="late", operator=COLLECTOR, key="w1")
    again = d.request(loan_id, reason="再次处置", operator=COLLECTOR, key="r3")  # a failed one is over
    withdrawn = d.withdraw(again.id, reason="借款人已筹款", operator=COLLECTOR, key="w2")
    assert withdrawn.status is DisposalStatus.withdrawn
    assert [x.id for x in d.of_loan(loan_id)] == [record.id, again.id]


def test_proceeds_are_confirmed_money_taken_once_and_never_above_the_price() -> None:
    world = secured()
    loan_id = overdue_loan(world)
    record = sold(world, loan_id, price=D("6000.00"), costs=D("0.00"))
    d = world.servicing.disposals
    with pytest.raises(NotPermitted):
        d.receive_proceeds(record.id, proceeds(D("6000.00")), operator=COLLECTOR, key="i0")
    with pytest.raises(InvalidInput) as over:
        d.receive_proceeds(record.id, proceeds(D("6000.01")), operator=OPS, key="i1")
    assert over.value.code == "over-collected"
    packet = proceeds(D("10.00")).model_copy(update={"channel": PaymentChannel.red_packet})
    with pytest.raises(InvalidInput):
        d.receive_proceeds(record.id, packet, operator=OPS, key="i2")
    world.repay(loan_id, D("50.00"), key="pay")  # a transfer with its own reference
    [used] = [e.data["reference"] for e in world.entries(loan_id) if e.type == EntryType.repayment]
    with pytest.raises(StateConflict) as taken:
        d.receive_proceeds(record.id, proceeds(D("50.00"), reference=used), operator=OPS, key="i3")
    assert taken.value.code == "reference-used"
    d.receive_proceeds(record.id, proceeds(D("6000.00")), operator=OPS, key="i4")
    with pytest.raises(StateConflict) as twice:
        d.receive_proceeds(record.id, proceeds(D("6000.00"), reference="AUCTION-2"), operator=OPS, key="i5")
    assert twice.value.code == "disposal-state"
    with pytest.raises(StateConflict):
        d.withdraw(record.id, reason="too late", operator=COLLECTOR, key="w")
    with pytest.raises(NotPermitted):
        d.allocate(record.id, surplus=Surplus.hold, operator=COLLECTOR, key="a0")
    d.allocate(record.id, surplus=Surplus.hold, operator=OPS, key="a1")
    with pytest.raises(StateConflict):
        d.allocate(record.id, surplus=Surplus.hold, operator=CHECKER, key="a2")  # allocated once
    assert len([e for e in world.entries(loan_id) if e.data.get("disposal") == record.id]) == 1


def test_only_a_secured_loan_90_or_more_days_past_due_is_disposed() -> None:
    plain = World()
    loan_id = plain.active()
    plain.gateway.fund(ACCOUNT, D(0))
    plain.until(SALE_DAY)
    with pytest.raises(StateConflict) as unsecured:
        plain.servicing.disposals.request(loan_id, reason="x", operator=COLLECTOR, key="r")
    assert unsecured.value.code == "not-secured"
    world = secured()
    young = world.active()
    world.gateway.fund(ACCOUNT, D(0))
    world.until(date(2026, 4, 1))
    with pytest.raises(StateConflict) as early:
        world.servicing.disposals.request(young, reason="x", operator=COLLECTOR, key="r")
    assert early.value.code == "not-disposable"
    with world.store.transaction() as tx:
        assert tx.repo(Disposal).list() == []


def test_a_refund_needs_the_borrowers_verified_account_and_a_refusal_writes_nothing() -> None:
    world = secured()
    loan_id = overdue_loan(world)
    record = sold(world, loan_id, price=D("15000.00"), costs=D("300.00"))
    d = world.servicing.disposals
    d.receive_proceeds(record.id, proceeds(D("15000.00")), operator=OPS, key="in")
    loan = world.servicing.loan(loan_id)
    with world.store.transaction() as tx:
        repo = tx.repo(PayoutAccount)
        repo.update(repo.get(loan.payout_account_id or "").evolve(status=AccountStatus.removed))
    before = world.entries(loan_id)
    with pytest.raises(StateConflict) as refused:
        d.allocate(record.id, surplus=Surplus.refund, operator=OPS, key="a-1")
    assert refused.value.code == "payout-account-unverified"
    assert world.entries(loan_id) == before
    assert d.get(record.id).status is DisposalStatus.proceeds_received
    held = d.allocate(record.id, surplus=Surplus.hold, operator=OPS, key="a-2")  # kept as a liability
    assert world.position(loan_id, SALE_DAY).credit == held.surplus > 0


def test_a_disposal_is_kept_exactly_in_sql(tmp_path: Path) -> None:
    clock = FixedClock(date(2026, 6, 5))
    store = SqlStore(f"sqlite:///{tmp_path / 'disposals.db'}", clock=clock, cipher=None, migrate=True)
    try:
        now = clock.now()
        record = Disposal(
            id="dsp_1",
            loan_id="loan_1",
            customer_id="cust-1",
            reason="处置",
            requested_by="coll-zhao",
            requested_at=now,
            status=DisposalStatus.allocated,
            price=D("15000.00"),
            costs=D("300.00"),
            proceeds=D("15000.00"),
            applied=D("10848.30"),
            surplus=D("4151.70"),
            surplus_handling=Surplus.hold,
            steps=(DisposalStep(status=DisposalStatus.requested, by="coll-zhao", at=now, note="处置"),),
        )
        with store.transaction() as tx:
            tx.repo(Disposal).add(record)
        with store.transaction() as tx:
            [found] = tx.repo(Disposal).list(loan_id="loan_1", status="allocated")
        assert found.model_dump(exclude={"version"}) == record.model_dump(exclude={"version"})
    finally:
        store.dispose()


def test_the_named_collateral_is_the_borrowers_and_is_marked_disposed_at_closing() -> None:
    spec = secured().products["consumer_credit"]
    world = World(products={"consumer_credit": spec}, collateral=StoredCollateral())
    loan_id = overdue_loan(world)
    now = world.clock.now()
    valued = Valuation(value=D("30000.00"), valued_on=date(2026, 1, 5), source=ValuationSource.appraiser)

    def piece(id: str, customer: str) -> Collateral:
        return Collateral(
            id=id,
            customer_id=customer,
            type=CollateralType.vehicle,
            description="小型轿车",
            identifier="VIN-1",
            valuations=(valued,),
            status=CollateralStatus.pledged,
            registered_at=now,
        )

    with world.store.transaction() as tx:
        tx.repo(Collateral).add(piece("col-1", "cust-1"))
        tx.repo(Collateral).add(piece("col-2", "someone-else"))
    d = world.servicing.disposals
    for wrong in ("col-9", "col-2"):
        with pytest.raises(InvalidInput) as raised:
            d.request(loan_id, reason="处置", operator=COLLECTOR, key=f"r-{wrong}", collateral_id=wrong)
        assert raised.value.field == "collateral_id"
    record = d.request(loan_id, reason="处置", operator=COLLECTOR, key="r-1", collateral_id="col-1")
    d.appraise(record.id, value=D("30000.00"), appraiser="评估", reference="P", operator=COLLECTOR, key="p")
    d.approve(record.id, operator=RISK, key="a")
    d.start_sale(record.id, method=SaleMethod.auction, reference="AH", operator=COLLECTOR, key="s")
    d.record_sale(record.id, price=D("20000.00"), costs=D(0), sold_on=SALE_DAY, operator=COLLECTOR, key="t")
    d.receive_proceeds(record.id, proceeds(D("20000.00")), operator=OPS, key="m")
    d.allocate(record.id, surplus=Surplus.hold, operator=OPS, key="x")
    d.close(record.id, operator=COLLECTOR, key="c")
    with world.store.transaction() as tx:
        assert tx.repo(Collateral).get("col-1").status is CollateralStatus.disposed

"""The books follow money as it really moves: a loan paid out in tranches on their evidence, money
received at the counter waiting for a second operations user, and a payoff the payment system
collects — reconciled with the loans after every end of day."""

from __future__ import annotations

from decimal import Decimal

from books_world import OPERATOR, World

from loanfactory.conventions import RepaymentMethod
from loanfactory.ports import PaymentChannel
from loanfactory.servicing import LoanStatus, ManualStatus, Operator

D = Decimal
CHECKER = Operator(user="ops-2", role="operations")
TRANCHES = (
    ("contract_signed", ("purchase_contract", "receivable_confirmation")),
    ("goods_delivered", ("invoice", "delivery_note")),
    ("goods_accepted", ("acceptance_certificate",)),
)


def staged(world: World) -> str:
    """A 1,000,000 supply-chain loan, interest only over 6 months, paid to the supplier in tranches."""
    return world.signed(
        "supply_chain",
        amount=D("1000000"),
        term=6,
        annual_rate=D("0.06"),
        method=RepaymentMethod.interest_only,
        payee="上游供应商",
        payee_account="110022",
        payee_category="purchase-of-goods",
    )


def test_tranches_counter_money_and_a_collected_payoff() -> None:
    world = World(products=("supply_chain",))
    world.feed()
    loan = staged(world)
    paid_out = []
    for n, (milestone, evidence) in enumerate(TRANCHES):
        tranche = world.servicing.disburse(loan, key=f"t-{n}", milestone=milestone, evidence=evidence)
        world.servicing.relay_payments()
        paid_out.append(tranche.amount)
        world.advance(8, check=True)
        # the loan account holds what was paid out so far, the clearing account gave it
        assert world.balance("130101") == sum(paid_out, D(0))
    # by hand: 30 % at the contract, 70 % by delivery, the rest on acceptance
    assert paid_out == [D("300000.00"), D("400000.00"), D("300000.00")]
    disbursements = [j for j in world.journals() if j.kind == "disbursement"]
    assert [sum((ln.amount for ln in j.lines if ln.account == "130101"), D(0)) for j in disbursements] == (
        paid_out
    )
    assert all(
        {(ln.account, ln.side.value) for ln in j.lines} == {("130101", "debit"), ("300301", "credit")}
        for j in disbursements
    )

    # 60,000 paid at the counter before anything is due: above the four-eyes amount it waits, and
    # the books do not move until a second operations user approves it
    held = world.balance("224101")
    before = {j.id for j in world.journals()}
    posting = world.servicing.post_offline_payment(
        loan,
        D("60000"),
        reference="GT20260130-001",
        channel=PaymentChannel.counter,
        received_on=world.clock.today(),
        operator=OPERATOR,
        key="counter-1",
    )
    assert posting.status is ManualStatus.pending
    world.advance(1, check=True)
    assert world.balance("224101") == held
    assert not [j for j in world.journals() if j.kind == "repayment" and j.id not in before]
    world.servicing.approve_posting(posting.id, operator=CHECKER, key="approve-1")
    world.advance(1, check=True)
    receipt = next(j for j in world.journals() if j.kind == "repayment" and j.id not in before)
    clearing = sum((ln.amount for ln in receipt.lines if ln.account == "300301"), D(0))
    assert clearing == D("60000")
    # what the receipt did not settle is the borrower's money until something falls due
    settled = sum((ln.amount for ln in receipt.lines if ln.account != "300301"), D(0))
    assert settled == clearing
    assert [ln.account for ln in receipt.lines if ln.side.value == "credit"] == ["224101"]
    assert world.balance("224101") == held + D("60000")

    # the borrower pays off through the payment system: the books empty with the loan
    world.advance(40, check=True)
    world.servicing.request_prepayment(loan, key="payoff")
    world.advance(2, check=True)
    assert world.servicing.loan(loan).status is LoanStatus.settled
    for account in ("113201", "113202", "113203", "122101", "130101", "130401", "224101"):
        assert world.balance(account) == 0, account
    # the clearing account moved exactly the cash: everything received less everything paid out
    entries = world.entries(loan)
    received = sum((e.amount for e in entries if e.type in ("repayment", "prepayment")), D(0))
    refunded = sum((e.amount for e in entries if e.type == "refund"), D(0))
    assert world.balance("300301") == received - refunded - sum(paid_out, D(0))
    assert received > sum(paid_out, D(0))
    trial = world.gl.trial_balance(world.journals()[0].accounting_date, world.closed)
    assert trial.balanced
    assert trial.row("601101").change > 0

"""Money is conserved: whatever happens to a loan, the ledger reconciles to the fen with the cash
that moved, and no posting is lost or doubled."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from servicing_world import World

from loanfactory.errors import LoanfactoryError
from loanfactory.ports import PaymentDirection
from loanfactory.servicing import EntryType, LoanStatus, OrderStatus, expected_change, owed_change
from loanfactory.testing.servicing_strategies import Op, operations

D = Decimal
ACCOUNT = "6222020200112233"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations(max_size=12))
def test_money_is_conserved(script: list[Op]) -> None:
    _conserved(script, max_days=150, step=20)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations(max_size=10))
def test_money_is_conserved_to_maturity(script: list[Op]) -> None:
    """Long scripts: overpayments, arrears and recoveries carried to and past the last due date."""
    _conserved([*script, Op(kind="days", days=45)] * 2, max_days=420, step=45)


def _conserved(script: list[Op], *, max_days: int, step: int) -> None:
    world = World(timeout_rate=0.2, duplicate_rate=0.3, seed=11, partial=True)
    loan_id = world.active()
    reversed_out = D(0)  # confirmed money taken back by reversals
    payments: list[tuple[str, D]] = []  # credits of collections the borrower asked for, for reversals
    commands: list[tuple[str, tuple[object, ...], dict[str, object], object]] = []
    lived = 0
    for step, op in enumerate(script):
        key = f"op-{step}"
        before = len(world.entries(loan_id))
        try:
            if op.kind == "days":
                days = min(op.days, step, max_days - lived)
                lived += days
                world.advance(days)
            elif op.kind == "repay":
                order = world.servicing.request_repayment(loan_id, op.amount, key=key)
                assert len(world.entries(loan_id)) == before  # asked, not credited
                world.deliver()
                done = world.order(order.id)
                if done.status is OrderStatus.succeeded:
                    payments.append((done.entry_id or "", done.collected))
                commands.append(("request_repayment", (loan_id, op.amount), {"key": key}, order))
            elif op.kind in ("prepay", "payoff"):
                principal = op.amount if op.kind == "prepay" else None
                order = world.servicing.request_prepayment(loan_id, key=key, principal=principal)
                world.deliver()
                commands.append(
                    ("request_prepayment", (loan_id,), {"key": key, "principal": principal}, order)
                )
            elif op.kind == "reverse" and payments:
                entry_id, amount = payments.pop(op.index % len(payments))
                world.reverse(loan_id, entry_id, key=key)
                reversed_out += amount  # the money went back
            elif op.kind == "waive":
                world.servicing.waive(loan_id, op.amount, key=key, reason="test")
            elif op.kind == "write-off" and world.servicing.loan(loan_id).days_past_due > 60:
                world.servicing.write_off(loan_id, key=key, reason="test")
            elif op.kind == "starve":
                world.gateway.fund(ACCOUNT, D(0))
            elif op.kind == "short":  # the next collection gets only what is there
                world.gateway.fund(ACCOUNT, op.amount)
            elif op.kind == "feed":
                world.gateway.fund(ACCOUNT, D("1000000"))
        except LoanfactoryError:
            assert len(world.entries(loan_id)) == before  # a refused command leaves nothing behind
        _check(world, loan_id, reversed_out)
    world.deliver()
    _check(world, loan_id, reversed_out)
    # replaying every command with its key returns its first result and posts nothing
    count = len(world.entries(loan_id))
    for name, args, kwargs, result in commands:
        assert getattr(world.servicing, name)(*args, **kwargs) == result
    world.deliver()
    assert len(world.entries(loan_id)) == count


def _check(world: World, loan_id: str, reversed_out: D) -> None:
    entries = world.entries(loan_id)
    assert [e.sequence for e in entries] == list(range(1, len(entries) + 1))
    keys = Counter(e.idempotency_key for e in entries if e.idempotency_key)
    assert all(n == 1 for n in keys.values())
    for entry in entries:
        assert owed_change(entry) == expected_change(entry)
        assert entry.amount == entry.amount.quantize(D("0.01"))
    position = world.position(loan_id)
    for balance in (position.principal, position.interest, position.penalty, position.fee, position.credit):
        assert balance >= 0
    # every fen credited was confirmed by the payment system, and nothing it confirmed is missing
    assert position.repaid == world.gateway.settled(PaymentDirection.debit) - reversed_out
    assert position.disbursed == world.gateway.settled(PaymentDirection.payout) == D("10000")
    # every fen charged is either still owed, paid or relieved
    charged = sum((e.amount for e in entries if e.type in ("interest", "penalty", "fee")), D(0))
    charged -= sum(
        (
            e.amount
            for e in entries
            if e.type == "reversal" and e.data.get("reverses_type") in ("interest", "penalty", "fee")
        ),
        D(0),
    )
    relieved = sum((e.amount for e in entries if e.type in (EntryType.waiver, EntryType.write_off)), D(0))
    relieved -= sum(
        (e.amount for e in entries if e.type == "reversal" and e.data.get("reverses_type") == "waiver"), D(0)
    )
    assert position.owed - position.credit == position.disbursed + charged - position.repaid - relieved
    # the schedule and the prepayments account for all the principal
    loan = world.servicing.loan(loan_id)
    live_ids = {e.id for e in entries} - {e.reverses for e in entries if e.reverses}
    prepaid = sum(
        (
            D(a)
            for e in entries
            if e.type in (EntryType.prepayment, EntryType.write_off) and e.id in live_ids
            for k, c, a in e.data["allocation"]
            if k == "prepaid" and c == "principal"
        ),
        D(0),
    )
    assert sum(r.principal for r in loan.schedule) + prepaid == position.disbursed
    # what is due, as the dues see it, is what the ledger holds
    dues = {
        c: sum((d.outstanding for d in position.dues if d.component.value == c), D(0))
        for c in ("interest", "fee", "penalty")
    }
    if loan.status is LoanStatus.active:
        assert dues["penalty"] == position.penalty
        assert dues["interest"] <= position.interest + sum(
            (r.interest for r in loan.schedule if r.due_date == position.as_of), D(0)
        )

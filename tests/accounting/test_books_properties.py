"""Properties of the books over random lives of loans (hypothesis): whatever happens — payments on
time, late or never, prepayments, reversals, waivers, write-offs and recoveries, failed and doubled
payment callbacks — every journal balances, every ledger posting has exactly one journal, and after
every end of day the loan subledger equals the GL control accounts to the fen."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from books_world import World
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from loanfactory.errors import LoanfactoryError
from loanfactory.testing.servicing_strategies import Op, operations

D = Decimal
ACCOUNT = "6222020200112233"
MOVING = ("amount", "principal", "interest", "penalty", "fee", "credit")


def lives() -> st.SearchStrategy[list[Op]]:
    """Scripts weighted toward living days, with the borrower's account cut off and restored, so
    that loans go past due, past the non-accrual days, are written off and recover."""
    days = st.builds(Op, kind=st.just("days"), days=st.integers(1, 45))
    other = operations(max_size=1).map(lambda ops: ops[0])
    starve = st.builds(Op, kind=st.just("starve"))
    settle = st.builds(Op, kind=st.sampled_from(["write-off", "reverse"]), index=st.integers(0, 50))
    return st.lists(st.one_of(days, days, days, starve, other, other, settle), min_size=1, max_size=16)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lives(), st.integers(1, 3), st.integers(10, 500).map(lambda n: Decimal(n * 100)))
def test_the_books_reconcile_every_day(script: list[Op], loans: int, amount: Decimal) -> None:
    world = World(timeout_rate=0.2, duplicate_rate=0.3, seed=11)
    world.feed()
    ids = [world.open(amount=amount, customer_id=f"cust-{n}") for n in range(loans)]
    payments: list[tuple[str, str]] = []
    lived = 0
    for step, op in enumerate(script):
        loan_id = ids[step % len(ids)]
        key = f"op-{step}"
        try:
            if op.kind == "days":
                days = min(op.days * 6, 500 - lived)  # up to 270 days at a stretch
                lived += days
                world.advance(days, check=True)
            elif op.kind == "repay" and step % 2:  # asked of the payment system, credited when it confirms
                world.servicing.request_repayment(loan_id, op.amount, key=key)
            elif op.kind == "repay":  # a transfer the bank confirmed
                result = world.pay(loan_id, op.amount, key=key)
                payments.append((loan_id, result.entry_id or ""))
            elif op.kind in ("prepay", "payoff"):
                principal = op.amount if op.kind == "prepay" else None
                world.prepay(loan_id, key=key, principal=principal)
            elif op.kind == "reverse" and payments:
                reversed_loan, entry_id = payments.pop(op.index % len(payments))
                world.reverse(reversed_loan, entry_id, key=key, reason="bounced")
            elif op.kind == "waive":
                world.servicing.waive(loan_id, op.amount, key=key, reason="goodwill", on=world.clock.today())
            elif op.kind == "write-off" and world.servicing.loan(loan_id).days_past_due > 30:
                world.servicing.write_off(loan_id, key=key, reason="test", on=world.clock.today())
            elif op.kind == "starve":
                world.starve(ACCOUNT)
            elif op.kind == "feed":
                world.feed(ACCOUNT)
        except LoanfactoryError:
            pass  # refused (too early to prepay, nothing to waive ...): the books must not care
    world.advance(30, check=True)
    event(f"lived {lived // 100 * 100}+ days")
    journals = world.journals()
    for kind in sorted(
        {j.kind for j in journals if j.kind in ("stop-accrual", "resume-accrual", "write-off")}
    ):
        event(f"books a {kind}")
    if any(j.red for j in journals):
        event("books a reversal in red ink")
    chart = world.gl.chart
    for journal in journals:
        journal.check(chart)  # debits = credits on and off the balance sheet, leaf accounts, fen
    sources = Counter(j.source for j in journals if j.source)
    entries = [e for loan_id in ids for e in world.entries(loan_id)]
    postings = [e.id for e in entries if any(getattr(e, c) != 0 for c in MOVING)]
    assert sorted(sources) == sorted(postings)
    # A posting that moves no money (a penalty recomputed to 0.00 that only carries the sub-fen
    # accrual forward) has no journal: nothing of the books moves.
    assert not ({e.id for e in entries} - set(postings)) & set(sources)
    assert set(sources.values()) <= {1}

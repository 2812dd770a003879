"""Hypothesis strategies for servicing: amounts, end-of-day inputs, waterfalls, operation scripts.

::

    from hypothesis import given
    from loanfactory.testing.servicing_strategies import loan_days, operations

    @given(loan_days())
    def test_vectorised_equals_exact(day): ...
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

try:
    from hypothesis import strategies as st
except ModuleNotFoundError as missing:  # the ``testing`` extra
    raise ModuleNotFoundError(
        f"{__name__} needs hypothesis: pip install 'loanfactory[testing]'", name="hypothesis"
    ) from missing

from loanfactory.schedule import accrued_penalty
from loanfactory.servicing import AllocationPolicy, Component, LoanDay

CENT = Decimal("0.01")


def money(low: str = "0.01", high: str = "100000") -> st.SearchStrategy[Decimal]:
    """Amounts in yuan with at most two decimals, from ``low`` to ``high``."""
    lo, hi = int(Decimal(low) * 100), int(Decimal(high) * 100)
    return st.integers(lo, hi).map(lambda fen: Decimal(fen) * CENT)


def rates(low: int = 1, high: int = 3600) -> st.SearchStrategy[Decimal]:
    """Annual rates in basis points from ``low`` to ``high`` (0.01 % to 36 %)."""
    return st.integers(low, high).map(lambda bp: Decimal(bp) / 10000)


def uplifts() -> st.SearchStrategy[Decimal]:
    """Penalty uplifts from 0 % to 100 % in whole percents."""
    return st.integers(0, 100).map(lambda pct: Decimal(pct) / 100)


@st.composite
def loan_days(draw: st.DrawFn, day: date = date(2026, 6, 30)) -> LoanDay:
    """End-of-day inputs of one loan, as :func:`~loanfactory.servicing.loan_day` makes them."""
    rate = draw(rates()) * (1 + draw(uplifts()))
    principal = draw(money("0", "50000000"))
    base_principal = draw(st.one_of(st.just(Decimal(0)), money("0.01", str(max(principal, CENT)))))
    grace = draw(st.integers(0, 5))
    back = draw(st.booleans())
    oldest = draw(st.one_of(st.none(), st.integers(0, 900).map(lambda d: day - timedelta(days=d))))
    flags = draw(
        st.lists(st.sampled_from(["restructured", "fund-misuse", "litigation", "other"]), max_size=2)
    )
    basis = draw(st.sampled_from([360, 365]))
    accrued = draw(st.integers(0, 10**17).map(lambda units: Decimal(units) / 10**10))  # yuan x rate
    return LoanDay(
        loan_id=draw(st.text("abcdef0123456789", min_size=1, max_size=8)),
        day=day,
        penalty_rate=rate,
        day_basis=basis,
        compound=draw(st.booleans()),
        principal=principal,
        base_principal=base_principal,
        base_interest=draw(money("0", "100000")),
        back_principal=base_principal * grace if back else Decimal(0),
        back_interest=draw(money("0", "1000")) * grace if back else Decimal(0),
        oldest_unpaid=oldest,
        flags=tuple(flags),
        accrued=accrued,
        posted=accrued_penalty(accrued, basis),
    )


def allocation_policies() -> st.SearchStrategy[AllocationPolicy]:
    """Every order of the four components, in either scope."""
    return st.builds(
        AllocationPolicy,
        order=st.permutations(list(Component)).map(tuple),
        scope=st.sampled_from(["installment", "component"]),
    )


@dataclass(frozen=True)
class Op:
    """One step of a servicing script: ``kind`` with an amount or index where it needs one."""

    # "days", "repay", "prepay", "payoff", "reverse", "waive", "starve", "short", "feed", "write-off"
    kind: str
    days: int = 0
    amount: Decimal = Decimal(0)
    index: int = 0


def operations(max_size: int = 25) -> st.SearchStrategy[list[Op]]:
    """Scripts of disbursement-time operations: living days (with end of day), repayments,
    prepayments, payoffs, reversals of earlier payments, waivers, write-offs, and cutting off,
    leaving short or restoring the borrower's account (so collections fail, fall short or succeed)."""
    op = st.one_of(
        st.builds(Op, kind=st.just("days"), days=st.integers(1, 45)),
        st.builds(Op, kind=st.just("repay"), amount=money("0.01", "3000")),
        st.builds(Op, kind=st.just("prepay"), amount=money("100", "4000")),
        st.builds(Op, kind=st.just("payoff")),
        st.builds(Op, kind=st.just("reverse"), index=st.integers(0, 50)),
        st.builds(Op, kind=st.just("waive"), amount=money("0.01", "50")),
        st.builds(Op, kind=st.just("starve")),
        st.builds(Op, kind=st.just("short"), amount=money("0.01", "500")),
        st.builds(Op, kind=st.just("feed")),
        st.builds(Op, kind=st.just("write-off")),
    )
    return st.lists(op, min_size=1, max_size=max_size)

"""The vectorised end of day equals the exact Decimal path, to the fen, loan by loan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanfactory.errors import InvalidInput
from loanfactory.servicing import DEFAULT_RULES, LoanDay, assess, assess_book, book_of
from loanfactory.testing.servicing_strategies import loan_days


@settings(max_examples=300, deadline=None)
@given(st.lists(loan_days(), min_size=1, max_size=40))
def test_every_figure_matches_the_exact_path(days: list[LoanDay]) -> None:
    results = assess_book(book_of(days))
    for index, day in enumerate(days):
        assert results.row(index, day.loan_id) == assess(day)


def test_half_fen_ties_round_up_in_both_paths() -> None:
    # 500 yuan at 0.09 % a year over 360 days is 0.00125 yuan: 0.125 fen, then x4 = 0.5 fen exactly
    day = LoanDay(
        loan_id="tie",
        day=date(2026, 6, 30),
        penalty_rate=Decimal("0.036"),
        day_basis=360,
        compound=False,
        principal=Decimal("50"),
        base_principal=Decimal("50.00"),
        base_interest=Decimal(0),
        back_principal=Decimal(0),
        back_interest=Decimal(0),
        oldest_unpaid=None,
    )
    assert assess(day).penalty == Decimal("0.01")  # 50 * 0.036 / 360 = 0.005: a tie, half-up
    assert assess_book(book_of([day])).row(0).penalty == Decimal("0.01")


def test_tiers_by_days_past_due() -> None:
    days = [
        LoanDay(
            loan_id=str(n),
            day=date(2026, 6, 30),
            penalty_rate=Decimal("0.18"),
            day_basis=360,
            compound=True,
            principal=Decimal("100"),
            base_principal=Decimal(0),
            base_interest=Decimal(0),
            back_principal=Decimal(0),
            back_interest=Decimal(0),
            oldest_unpaid=date.fromordinal(date(2026, 6, 30).toordinal() - n) if n else None,
        )
        for n in (0, 1, 30, 31, 90, 91, 400)
    ]
    results = assess_book(book_of(days), DEFAULT_RULES, tier_starts=(1, 31, 91))
    assert results.tier.tolist() == [-1, 0, 0, 1, 1, 2, 2]
    assert results.category.tolist() == [0, 1, 1, 1, 1, 2, 4]


def test_rates_the_integer_path_cannot_hold_are_refused() -> None:
    day = LoanDay(
        loan_id="x",
        day=date(2026, 6, 30),
        penalty_rate=Decimal("0.123456789"),
        day_basis=360,
        compound=True,
        principal=Decimal(1),
        base_principal=Decimal(1),
        base_interest=Decimal(0),
        back_principal=Decimal(0),
        back_interest=Decimal(0),
        oldest_unpaid=None,
    )
    with pytest.raises(InvalidInput, match="decimal places"):
        book_of([day])
    with pytest.raises(InvalidInput):
        book_of([])


def test_large_balances_do_not_overflow() -> None:
    big = Decimal("99999999999.99")  # ~1e13 fen
    day = LoanDay(
        loan_id="big",
        day=date(2026, 6, 30),
        penalty_rate=Decimal("0.99999999"),
        day_basis=365,
        compound=True,
        principal=big,
        base_principal=big,
        base_interest=big,
        back_principal=big,
        back_interest=big,
        oldest_unpaid=date(2020, 1, 1),
    )
    book = book_of([day])
    assert book.principal.dtype == np.int64
    assert assess_book(book).row(0, "big") == assess(day)

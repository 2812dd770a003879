"""Regression tests of the schedule engine's money defects, each against an independent figure:

5. ``residue: first`` moves the *discounted* residue, so the last row is a regular one;
6. the vectorised level installment equals the Decimal one to the fen at very low rates;
7. a rate change inside an irregular first period follows the rule of a regular period;
8. no installment of 0.00: a rounded installment that repays early ends the schedule (and says
   so); an amount too small for the rounding is refused with a located message.

Expected figures come from plain Decimal loops written here, never from the engine.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanfactory.conventions import InterestMode, RepaymentMethod
from loanfactory.errors import InvalidInput
from loanfactory.money import ResiduePlacement, RoundingMode, RoundingPolicy
from loanfactory.quote import quote
from loanfactory.schedule import LoanTerms, RateChange, build_schedule, to_fen, to_rate_units, vector_schedule
from loanfactory.spec import load_product_text

D = Decimal
CENT = D("0.01")


def r2(x: Decimal) -> Decimal:
    return x.quantize(CENT, ROUND_HALF_UP)


def hand_pmt(principal: Decimal, monthly: Decimal, n: int) -> Decimal:
    return principal * monthly / (1 - (1 + monthly) ** -n)


def hand_annuity(
    principal: Decimal, monthly: Decimal, n: int, level: Decimal, extra: Decimal
) -> list[Decimal]:
    """Posted totals of an annuity whose first row repays ``extra`` more principal."""
    b, totals = principal, []
    for k in range(n):
        interest = r2(b * monthly)
        part = b if k == n - 1 else level - interest + (extra if k == 0 else 0)
        b -= part
        totals.append(part + interest)
    return totals


# --- 5. residue first ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "annual", "n"),
    [
        ("280000.00", "0.049", 180),  # the case of the report: 2,198.37 against 2,199.66
        ("10000.00", "0.12", 12),
    ],
)
def test_residue_first_moves_the_discounted_residue(principal: str, annual: str, n: int) -> None:
    p, monthly = D(principal), D(annual) / 12
    level = r2(hand_pmt(p, monthly, n))
    residue = hand_annuity(p, monthly, n, level, D(0))[-1] - level  # what residue: last leaves
    growth = (1 + monthly) ** (n - 1)  # a fen repaid in row 1 is (1+i)^(n-1) fen less in the last row
    discounted = residue / growth  # 0.5256 for the reported case, not the 1.09 moved before

    schedule = build_schedule(LoanTerms(p, D(annual), n, residue=ResiduePlacement.first))
    totals = [row.total for row in schedule.installments]
    move = totals[0] - level
    assert abs(move - discounted) <= 6 * CENT  # the discounted residue, give or take rounding noise
    assert totals == hand_annuity(p, monthly, n, level, move)  # a true posting with that move
    assert schedule.level_installment == level
    assert set(totals[1:]) == {level}


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1_000_00, 5_000_000_00),
    st.integers(10, 240),  # 1 % to 24 % in tenths of a percent
    st.sampled_from([24, 60, 120, 240, 360]),
)
def test_residue_first_leaves_the_last_row_within_a_unit(fen: int, per_mille: int, n: int) -> None:
    """Long loans too: where no first-row amount lands the last row, the balances are solved from the
    last row backwards, each row within one unit of the level installment."""
    principal, annual = D(fen).scaleb(-2), D(per_mille).scaleb(-3)
    schedule = build_schedule(LoanTerms(principal, annual, n, residue=ResiduePlacement.first))
    rows, level = schedule.installments, schedule.level_installment
    assert level == r2(hand_pmt(principal, annual / 12, n))
    assert abs(rows[-1].total - level) <= CENT
    assert all(abs(r.total - level) <= CENT for r in rows[1:])
    opening = principal
    for row in rows:  # every row a true posting: interest on the opening balance, balances add up
        assert row.interest == r2(opening * annual / 12)
        assert row.principal >= 0
        assert row.balance == opening - row.principal
        opening = row.balance
    assert opening == 0


def test_the_reported_residue_first_case_ends_on_the_level_installment() -> None:
    rows = build_schedule(
        LoanTerms(D("280000.00"), D("0.049"), 180, residue=ResiduePlacement.first)
    ).installments
    assert rows[-1].total == D("2199.66")  # was 2,198.37: the undiscounted 1.09 moved
    assert rows[0].total == D("2199.66") + D("0.48")


def test_residue_first_of_equal_principal_leaves_a_regular_last_row() -> None:
    terms = LoanTerms(
        D("1000000.00"),
        D("0.049"),
        360,
        method=RepaymentMethod.equal_principal,
        residue=ResiduePlacement.first,
    )
    rows = build_schedule(terms).installments
    regular = r2(D("1000000.00") / 360)  # 2,777.78
    assert [r.principal for r in rows[1:]] == [regular] * 359
    assert rows[0].principal == D("1000000.00") - 359 * regular  # 2,776.98: the residue, no growth


# --- 6. vectorised level installment at very low rates ----------------------------------------------


def test_vectorised_installment_at_a_hundredth_of_a_percent() -> None:
    principal, annual, n = D("77408838.35"), D("0.0001"), 360
    exact = hand_pmt(principal, annual / 12, n)  # 215,348.14500078...: just above the tie
    assert r2(exact) == D("215348.15")
    book = vector_schedule(to_fen([principal]), to_rate_units([annual]), n)
    assert int(book.installment[0]) == 21534815
    assert book.installments(0) == build_schedule(LoanTerms(principal, annual, n)).installments


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(st.integers(100_000_00, 2**52 - 1), st.integers(0, 200)), min_size=1, max_size=20),
    st.sampled_from([12, 60, 120, 240, 360, 480]),
    st.sampled_from(list(RoundingMode)),
)
def test_vectorised_installment_equals_the_decimal_one_near_zero_rates(
    loans: list[tuple[int, int]], n: int, mode: RoundingMode
) -> None:
    """Rates from 0 to 0.02 % (0..200 millionths) and amounts up to 4.5e11 yuan."""
    policy = RoundingPolicy(mode, CENT)
    principal = np.array([p for p, _ in loans], dtype=np.int64)
    rate = np.array([r for _, r in loans], dtype=np.int64)
    book = vector_schedule(principal, rate, n, rounding=policy)
    for i, (p, r) in enumerate(loans):
        monthly = D(r).scaleb(-6) / 12
        exact = hand_pmt(D(p).scaleb(-2), monthly, n) if r else D(p).scaleb(-2) / n
        assert D(int(book.installment[i])).scaleb(-2) == policy(exact)


# --- 7. a rate change inside an irregular first period ----------------------------------------------

START = date(2025, 1, 10)
CHANGE = (RateChange(date(2025, 2, 1), D("0.039")),)
P = D("120000.00")


def _first_interest(**changes: object) -> Decimal:
    terms = LoanTerms(P, D("0.049"), 12, start=START, rate_changes=CHANGE, **changes)  # type: ignore[arg-type]
    return build_schedule(terms).installments[0].interest


def test_per_period_interest_takes_the_rate_at_the_start_of_a_regular_period() -> None:
    # 2025-01-10 to 2025-02-10, change on 2025-02-01: the whole period at 4.9 % / 12
    assert _first_interest() == r2(P * D("0.049") / 12)


def test_per_period_interest_takes_the_rate_at_the_start_of_an_irregular_period() -> None:
    # 2025-01-10 to 2025-03-05 (54 days) by actual days, all at 4.9 %: the change applies from the next period
    assert _first_interest(first_due=date(2025, 3, 5)) == r2(P * D("0.049") * 54 / 360)


def test_daily_interest_splits_a_regular_period_at_the_change() -> None:
    # 22 days at 4.9 % (Jan 10 - Feb 1), 9 days at 3.9 % (Feb 1 - Feb 10)
    expected = r2(P * (D("0.049") * 22 + D("0.039") * 9) / 360)
    assert _first_interest(interest=InterestMode.daily) == expected


def test_daily_interest_splits_an_irregular_period_at_the_change() -> None:
    # 22 days at 4.9 %, 32 days at 3.9 % (Feb 1 - Mar 5)
    expected = r2(P * (D("0.049") * 22 + D("0.039") * 32) / 360)
    assert _first_interest(interest=InterestMode.daily, first_due=date(2025, 3, 5)) == expected


# --- 8. no installment of 0.00 -----------------------------------------------------------------------


def test_an_installment_rounded_up_that_repays_early_ends_the_schedule() -> None:
    terms = LoanTerms(D("1000.00"), D(0), 12, installment_multiple=D(100))  # 83.33 rounds to 100
    schedule = build_schedule(terms)
    assert [r.total for r in schedule.installments] == [D(100)] * 10
    assert schedule.shortened_from == 12
    assert "repaid in 10 installments, not 12" in schedule.convention
    assert schedule.as_json()["shortened_from"] == 12


def test_a_shortened_schedule_with_interest_matches_a_hand_loop() -> None:
    terms = LoanTerms(
        D("1200.00"),
        D("0.12"),
        12,
        installment_multiple=D(50),
        rounding=RoundingPolicy(RoundingMode.up, CENT),
    )
    level = D(150)  # 106.62 rounded up to a multiple of 50
    b, expected = D("1200.00"), []
    while b > 0:
        interest = (b * D("0.01")).quantize(CENT, "ROUND_UP")
        part = min(level - interest, b)
        b -= part
        expected.append((part, interest))
    rows = build_schedule(terms).installments
    assert [(r.principal, r.interest) for r in rows] == expected
    assert len(rows) == 9


def test_flat_interest_is_not_charged_after_an_early_repayment() -> None:
    terms = LoanTerms(D("1000.00"), D("0.12"), 24, method=RepaymentMethod.flat, installment_multiple=D(100))
    rows = build_schedule(terms).installments  # 41.67 + 10.00 rounds to 100: 90.00 of principal a month
    assert len(rows) == 12
    assert sum((r.interest for r in rows), D(0)) == 12 * D("10.00")
    assert rows[-1].principal == D("1000.00") - 11 * D("90.00")


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        (RepaymentMethod.annuity, {}),
        (RepaymentMethod.equal_principal, {}),
        (RepaymentMethod.flat, {"annual_rate": D(0)}),
        (RepaymentMethod.annuity, {"principal": D("1000.00"), "installment_multiple": D(1000)}),
    ],
)
def test_an_amount_too_small_for_the_rounding_is_refused(
    method: RepaymentMethod, kwargs: dict[str, object]
) -> None:
    values: dict[str, object] = {"principal": D("0.05"), "annual_rate": D("0.05"), "term": 12, **kwargs}
    with pytest.raises(InvalidInput) as caught:
        build_schedule(LoanTerms(method=method, **values))  # type: ignore[arg-type]
    assert caught.value.field == "principal"
    assert "installment 1 would be 0.00" in caught.value.message
    assert caught.value.message_zh is not None
    assert "0.00" in caught.value.message_zh
    if not kwargs:
        with pytest.raises(InvalidInput):
            vector_schedule(to_fen([D("0.05")]), to_rate_units([D("0.05")]), 12, method=method)


def test_a_zero_rate_interest_only_period_may_be_zero() -> None:
    rows = build_schedule(LoanTerms(D("1000.00"), D(0), 3, method=RepaymentMethod.interest_only)).installments
    assert [r.total for r in rows] == [D(0), D(0), D("1000.00")]


def test_a_quote_too_small_for_the_products_rounding_is_refused() -> None:
    spec, problems = load_product_text(
        """
code: whole_hundreds
name: 整百期供
effective: {from: 2025-01-01}
channels: [app]
segments: [individual]
purposes: [consumer]
amount: {min: 100, max: 50000}
term: {allowed: [36]}
rate: {type: fixed, annual: "6%"}
repayment:
  methods: [annuity]
  rounding: {unit: 1, installment_multiple: 100}
"""
    )
    assert spec is not None, problems
    assert quote(spec, D("50000"), 36).schedule.level_installment == D(1500)
    with pytest.raises(InvalidInput) as caught:
        quote(spec, D("1000"), 36)  # 30.42 a month rounds to 0 at multiples of 100
    assert caught.value.field == "principal"

"""The schedule engine, feature by feature: dates, frequencies, day counts, grace, balloon, flat,
rounding policies, residue placement, fees, rate changes and the two styles."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from loanfactory.calendar import (
    DayCount,
    FirstPeriod,
    Frequency,
    add_months,
    month_series,
    month_series_with_days,
    year_fraction_ratio,
)
from loanfactory.conventions import InterestMode, RepaymentMethod, ScheduleStyle
from loanfactory.money import ResiduePlacement, RoundingMode, RoundingPolicy
from loanfactory.schedule import Balloon, LoanTerms, RateChange, ScheduleFee, build_schedule, pmt

D = Decimal
M = RepaymentMethod


def test_month_series_equals_add_months_with_clamping() -> None:
    for offset in range(0, 800, 3):
        start = date(2023, 1, 1) + timedelta(days=offset)
        for months in (1, 2, 3, 6, 12):
            for anchor in (None, 29, 30, 31):
                dates, gaps = month_series_with_days(start, months, 25, anchor)
                expected = [add_months(start, months * k, anchor) for k in range(1, 26)]
                assert dates == expected == month_series(start, months, 25, anchor)
                assert gaps == [(b - a).days for a, b in zip([start, *expected], expected, strict=False)]


@pytest.mark.parametrize("day_count", list(DayCount))
def test_year_fraction_ratio_matches_the_decimal_year_fraction(day_count: DayCount) -> None:
    for start, end in [
        (date(2023, 12, 12), date(2024, 1, 12)),
        (date(2024, 2, 1), date(2024, 3, 1)),
        (date(2023, 1, 31), date(2025, 2, 28)),
        (date(2024, 5, 5), date(2024, 5, 5)),
    ]:
        ratio = year_fraction_ratio(day_count, start, end)
        assert abs(D(ratio.numerator) / ratio.denominator - day_count.year_fraction(start, end)) < D("1e-20")
    assert year_fraction_ratio(DayCount.act_act, date(2023, 12, 12), date(2024, 1, 12)) == Fraction(
        20, 365
    ) + Fraction(11, 366)


def test_month_end_start_is_due_on_the_last_day_of_short_months() -> None:
    s = build_schedule(LoanTerms(D("12000.00"), D("0.06"), 4, start=date(2024, 1, 31)))
    assert [r.due_date for r in s.installments] == [
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]
    assert [r.days for r in s.installments] == [29, 31, 30, 31]


def test_due_day_and_first_due_give_an_irregular_first_period() -> None:
    base = LoanTerms(D("100000.00"), D("0.0365"), 12, start=date(2025, 3, 10), due_day=25)
    s = build_schedule(base)
    assert s.irregular_first_period
    assert s.installments[0].due_date == date(2025, 4, 25)
    assert s.installments[0].days == 46
    assert s.installments[0].interest == D("466.39")  # 100000 x 3.65 % x 46 / 360
    assert s.installments[1].interest == (s.installments[0].balance * D("0.0365") / 12).quantize(D("0.01"))
    full = build_schedule(base.with_(first_period=FirstPeriod.full_period))
    assert full.installments[0].interest == D("304.17")  # one regular month whatever the days
    on_grid = build_schedule(base.with_(start=date(2025, 3, 25)))
    assert not on_grid.irregular_first_period


@pytest.mark.parametrize(
    ("frequency", "every", "per_year"),
    [
        (Frequency.quarterly, 1, 4),
        (Frequency.semi_annual, 1, 2),
        (Frequency.annual, 1, 1),
        (Frequency.weekly, 1, 52),
        (Frequency.biweekly, 1, 26),
        (Frequency.daily, 1, 360),
        (Frequency.monthly, 3, 4),
    ],
)
def test_per_period_rate_is_annual_over_periods_per_year(
    frequency: Frequency, every: int, per_year: int
) -> None:
    s = build_schedule(LoanTerms(D("50000.00"), D("0.0720"), 8, frequency=frequency, every=every))
    assert s.installments[0].interest == (D("50000.00") * D("0.0720") / per_year).quantize(D("0.01"))
    assert s.level_installment == pmt(D("50000.00"), D("0.0720") / per_year, 8).quantize(D("0.01"))


def test_act_act_counts_real_leap_years() -> None:
    terms = LoanTerms(
        D("100000.00"),
        D("0.0366"),
        2,
        method=M.interest_only,
        start=date(2024, 2, 1),
        interest=InterestMode.daily,
        day_count=DayCount.act_act,
    )
    rows = build_schedule(terms).installments
    assert rows[0].interest == D("290.00")  # 29 days of 2024 / 366
    not_leap = build_schedule(terms.with_(start=date(2023, 2, 1))).installments
    assert not_leap[0].interest == (D("100000") * D("0.0366") * 28 / 365).quantize(D("0.01"))


def test_principal_grace_pays_interest_then_amortises_over_the_rest() -> None:
    s = build_schedule(LoanTerms(D("12000.00"), D("0.12"), 12, grace_principal=3))
    assert all(r.principal == 0 and r.interest == D("120.00") for r in s.installments[:3])
    assert s.level_installment == pmt(D("12000.00"), D("0.01"), 9).quantize(D("0.01"))
    assert s.installments[3].principal == s.level_installment - D("120.00")


def test_interest_grace_defers_interest_to_the_next_installment() -> None:
    s = build_schedule(LoanTerms(D("12000.00"), D("0.12"), 12, grace_principal=2, grace_interest=2))
    first, second, third = s.installments[:3]
    assert (first.total, first.deferred_interest) == (0, D("120.00"))
    assert (second.total, second.deferred_interest) == (0, D("240.00"))
    assert third.interest == D("360.00")
    assert third.deferred_interest == 0
    assert s.totals.interest == sum(r.interest for r in s.installments)


def test_balloon_with_a_final_lump_and_with_a_share_per_period() -> None:
    lump = build_schedule(
        LoanTerms(D("100000.00"), D("0.06"), 12, method=M.balloon, balloon=Balloon(final=D("0.3")))
    )
    assert lump.level_installment == pmt(D("100000.00"), D("0.005"), 12, D("30000.00")).quantize(D("0.01"))
    assert D("30000") < lump.installments[-1].principal < D("37000")
    share = build_schedule(
        LoanTerms(D("100000.00"), D("0.06"), 12, method=M.balloon, balloon=Balloon(per_period=D("0.05")))
    )
    assert all(r.principal == D("5000.00") for r in share.installments[:-1])
    assert share.installments[-1].principal == D("45000.00")


def test_flat_interest_is_on_the_original_principal() -> None:
    s = build_schedule(LoanTerms(D("12000.00"), D("0.12"), 12, method=M.flat))
    assert all(r.interest == D("120.00") for r in s.installments)
    assert s.level_installment == D("1120.00")
    assert s.totals.interest == D("1440.00")


def test_installment_in_multiples_with_the_remainder_in_the_last_one() -> None:
    terms = LoanTerms(D("10000.00"), D("0.12"), 12, installment_multiple=D(10))
    s = build_schedule(terms)
    assert s.level_installment == D("890")
    assert all(r.total == D("890") for r in s.installments[:-1])
    assert s.installments[-1].total != D("890")
    assert s.totals.principal == D("10000.00")
    down = build_schedule(terms.with_(rounding=RoundingPolicy(RoundingMode.down)))
    assert down.level_installment == D("880")


def test_unit_of_one_yuan_rounds_interest_and_installment_to_yuan() -> None:
    s = build_schedule(
        LoanTerms(D("10000.50"), D("0.12"), 12, rounding=RoundingPolicy(RoundingMode.half_up, D(1)))
    )
    assert s.level_installment == D("889")  # PMT 888.53 rounded half-up to the yuan
    assert all(r.interest == r.interest.to_integral_value() for r in s.installments)
    assert s.installments[-1].principal % 1 == D("0.50")  # the cents stay with the last row
    assert sum(r.principal for r in s.installments) == D("10000.50")


def test_residue_first_puts_the_rounding_residue_in_the_first_row() -> None:
    equal = build_schedule(
        LoanTerms(D("10000.00"), D("0.12"), 12, method=M.equal_principal, residue=ResiduePlacement.first)
    )
    assert equal.installments[0].principal == D("833.37")
    assert all(r.principal == D("833.33") for r in equal.installments[1:])
    annuity = build_schedule(LoanTerms(D("10000.00"), D("0.12"), 12, residue=ResiduePlacement.first))
    assert abs(annuity.installments[-1].total - annuity.level_installment) <= D("0.01")  # type: ignore[operator]
    assert sum(r.principal for r in annuity.installments) == D("10000.00")


def test_rate_change_per_period_applies_from_the_next_period_and_reamortises() -> None:
    terms = LoanTerms(
        D("120000.00"),
        D("0.06"),
        24,
        start=date(2025, 1, 15),
        rate_changes=(RateChange(date(2026, 1, 1), D("0.048")),),
    )
    rows = build_schedule(terms).installments
    assert rows[11].interest == (rows[10].balance * D("0.005")).quantize(
        D("0.01")
    )  # Dec 15 - Jan 15: old rate
    assert rows[12].interest == (rows[11].balance * D("0.004")).quantize(D("0.01"))
    assert rows[12].total == pmt(rows[11].balance, D("0.004"), 12).quantize(D("0.01"))


def test_rate_change_with_daily_interest_splits_the_period() -> None:
    terms = LoanTerms(
        D("36000.00"),
        D("0.036"),
        3,
        method=M.interest_only,
        start=date(2025, 1, 1),
        interest=InterestMode.daily,
        rate_changes=(RateChange(date(2025, 2, 11), D("0.072")),),
    )
    rows = build_schedule(terms).installments
    assert rows[1].interest == D("36000") * (D("0.036") * 10 + D("0.072") * 18) / 360


def test_a_fixed_installment_keeps_the_installment() -> None:
    s = build_schedule(LoanTerms(D("10000.00"), D("0.12"), 14, installment=D("888.49")))
    assert all(r.total == D("888.49") for r in s.installments[:-1] if r.balance > 0)
    assert sum(r.principal for r in s.installments) == D("10000.00")


def test_display_rounds_columns_of_the_exact_schedule() -> None:
    s = build_schedule(LoanTerms(D("10000.00"), D("0.12"), 12), ScheduleStyle.display)
    assert all(r.total == D("888.49") for r in s.installments)
    assert str(s.installments[-1].balance) == "0.00"
    assert "display" in s.convention


def test_zero_rate_annuity_is_principal_over_n() -> None:
    s = build_schedule(LoanTerms(D("1000.00"), D(0), 3))
    assert [r.principal for r in s.installments] == [D("333.33"), D("333.33"), D("333.34")]
    assert s.totals.interest == 0


def test_fees_per_installment_with_bounds() -> None:
    fees = (
        ScheduleFee(
            "service", timing="per-installment", basis="balance", percent=D("0.001"), minimum=D("5.00")
        ),
        ScheduleFee("account", timing="per-installment", amount=D("10.00"), total_max=D("25.00")),
        ScheduleFee("arrangement", timing="upfront", percent=D("0.02"), maximum=D("150.00")),
    )
    s = build_schedule(LoanTerms(D("10000.00"), D("0.12"), 4, fees=fees))
    account = [D(10), D(10), D(5), D(0)]  # 10 a row until the 25.00 cap is reached
    for row, flat in zip(s.installments, account, strict=True):
        opening = row.balance + row.principal
        assert row.fee == max(D("5.00"), (opening * D("0.001")).quantize(D("0.01"))) + flat
    assert s.upfront_fee == D("150.00")
    assert s.totals.fee == sum(r.fee for r in s.installments)


def test_the_convention_is_stated() -> None:
    terms = LoanTerms(
        D("1000.00"),
        D("0.05"),
        6,
        start=date(2025, 1, 1),
        interest=InterestMode.daily,
        day_count=DayCount.act_365f,
        installment_multiple=D(1),
        grace_principal=1,
    )
    text = build_schedule(terms).convention
    for part in ("annuity", "daily", "ACT/365F", "posting", "multiples of 1", "1 interest-only"):
        assert part in text


def test_daily_mode_keeps_the_per_period_installment_and_the_last_row_absorbs() -> None:
    terms = LoanTerms(
        D("10000.00"),
        D("0.12"),
        12,
        start=date(2025, 1, 31),
        interest=InterestMode.daily,
        day_count=DayCount.act_365f,
    )
    s = build_schedule(terms)
    assert s.level_installment == D("888.49")
    assert all(r.total == D("888.49") for r in s.installments[:-1])
    assert s.installments[0].interest == (D("10000.00") * D("0.12") * 28 / 365).quantize(D("0.01"))

"""APR, prepayment and payoff, penalty interest and LPR repricing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from loanfactory.calendar import Frequency
from loanfactory.conventions import InterestMode, LprTenor, RepaymentMethod
from loanfactory.errors import InvalidInput
from loanfactory.lpr import LprFixing, LprSeries
from loanfactory.schedule import (
    LoanTerms,
    ScheduleFee,
    accrued_to,
    annual_percentage_rate,
    apr_of_flows,
    build_schedule,
    charged_days,
    irr,
    lpr_price,
    lpr_rate_changes,
    payoff_quote,
    penalty_interest,
    pmt,
    prepay,
    repricing_dates,
    xirr,
)

D = Decimal


# --- APR -------------------------------------------------------------------------------------------


def test_irr_refuses_flows_without_a_sign_change() -> None:
    with pytest.raises(InvalidInput):
        irr([D(100), D(10)])
    with pytest.raises(InvalidInput):
        irr([D(-100)])


def test_irr_of_a_zero_cost_loan_is_zero_and_negative_cost_is_negative() -> None:
    assert abs(irr([D(-300), D(100), D(100), D(100)])) < D("1e-20")
    assert irr([D(-300), D(100), D(100), D(90)]) < 0


def test_xirr_of_one_year_at_ten_percent() -> None:
    assert abs(xirr([(date(2023, 1, 1), D(-1000)), (date(2024, 1, 1), D(1100))]) - D("0.1")) < D("1e-10")


def test_apr_of_an_irregular_first_period_is_day_based() -> None:
    terms = LoanTerms(D("100000.00"), D("0.06"), 12, start=date(2025, 1, 10), first_due=date(2025, 2, 25))
    apr = annual_percentage_rate(build_schedule(terms))
    assert apr.method == "xirr"
    assert abs(apr.nominal - D("0.06")) < D("0.001")


def test_bullet_apr_is_over_the_whole_term() -> None:
    terms = LoanTerms(
        D("100000.00"), D("0.0345"), 90, method=RepaymentMethod.bullet, frequency=Frequency.daily
    )
    apr = annual_percentage_rate(build_schedule(terms))
    assert apr.periods_per_year == 4
    assert apr.disclosed()[0] == D("0.0345")


def test_fees_outside_the_apr_are_left_out() -> None:
    fee = ScheduleFee("late", timing="per-installment", amount=D("10.00"), in_apr=False)
    terms = LoanTerms(D("10000.00"), D("0.12"), 12, fees=(fee,))
    assert annual_percentage_rate(build_schedule(terms)).disclosed()[0] == D("0.1200")
    counted = terms.with_(fees=(ScheduleFee("late", timing="per-installment", amount=D("10.00")),))
    assert annual_percentage_rate(build_schedule(counted)).disclosed()[0] > D("0.1400")


def test_simple_fee_shortcut_understates_the_apr() -> None:
    """0.6 % a month on the original principal is 13.03 %, not 7.2 % (fee / principal / years)."""
    flows = [D(-10000), *[D("893.33")] * 12]
    assert apr_of_flows(flows, D(12)).disclosed()[0] == D("0.1303")


# --- prepayment and payoff ------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    kind: str
    until_period: int | None = None
    percent: Decimal | None = None
    months: int | None = None
    min: Decimal | None = None
    max: Decimal | None = None


LOAN = LoanTerms(D("120000.00"), D("0.06"), 24, start=date(2025, 1, 15))


def test_mid_period_prepayment_charges_actual_days_and_starts_an_irregular_period() -> None:
    s = build_schedule(LOAN)
    result = prepay(s, D("20000.00"), on=date(2025, 4, 25))
    assert result.after == 3
    balance = s.installments[2].balance
    assert result.accrued_interest == (balance * D("0.06") * 10 / 360).quantize(D("0.01"))
    assert result.total == D("20000.00") + result.accrued_interest
    remaining = result.remaining
    assert remaining is not None
    assert remaining.installments[0].number == 4
    assert remaining.installments[0].due_date == date(2025, 5, 15)
    assert remaining.installments[0].days == 20
    assert [r.due_date for r in remaining.installments] == [r.due_date for r in s.installments[3:]]


def test_keep_installment_shortens_the_term() -> None:
    s = build_schedule(LOAN)
    result = prepay(s, D("50000.00"), after=6, reamortise="keep-installment")
    assert result.remaining is not None
    rows = result.remaining.installments
    assert len(rows) < 18
    assert all(r.total == s.level_installment for r in rows[:-1])
    assert rows[-1].total <= s.level_installment  # type: ignore[operator]


def test_equal_principal_keep_installment_keeps_the_principal_per_period() -> None:
    s = build_schedule(LOAN.with_(method=RepaymentMethod.equal_principal))
    result = prepay(s, D("30000.00"), after=4, reamortise="keep-installment")
    assert result.remaining is not None
    assert {r.principal for r in result.remaining.installments[:-1]} == {D("5000.00")}
    assert len(result.remaining.installments) == 14


@pytest.mark.parametrize(
    ("bands", "after", "penalty"),
    [
        ((Band("percent-of-prepaid", 12, percent=D("0.02")),), 3, D("200.00")),
        ((Band("percent-of-prepaid", 12, percent=D("0.02")),), 12, D("0.00")),
        ((Band("months-of-interest", None, months=2),), 3, D("100.00")),
        ((Band("percent-of-prepaid", 6, percent=D("0.03"), max=D("250")), Band("none")), 3, D("250")),
        (
            (
                Band("percent-of-prepaid", 6, percent=D("0.03")),
                Band("percent-of-prepaid", None, percent=D("0.01"), min=D("150")),
            ),
            8,
            D("150"),
        ),
    ],
)
def test_prepayment_penalty_bands(bands: tuple[Band, ...], after: int, penalty: Decimal) -> None:
    result = prepay(build_schedule(LOAN), D("10000.00"), after=after, penalty=bands)
    assert result.penalty == penalty


def test_payoff_quote_is_principal_accrued_interest_fee_and_penalty() -> None:
    s = build_schedule(LOAN)
    quote = payoff_quote(
        s, date(2025, 3, 1), penalty=(Band("percent-of-prepaid", percent=D("0.01")),), fee=D("50.00")
    )
    balance = s.installments[0].balance
    assert quote.principal == balance
    assert quote.interest == (balance * D("0.06") * 14 / 360).quantize(D("0.01"))
    assert quote.penalty == (balance * D("0.01")).quantize(D("0.01"))
    assert quote.total == quote.principal + quote.interest + quote.fee + quote.penalty
    assert prepay(s, None, on=date(2025, 3, 1)).remaining is None


def test_prepayment_collects_deferred_interest() -> None:
    s = build_schedule(LOAN.with_(grace_principal=3, grace_interest=3))
    result = prepay(s, D("1000.00"), after=2)
    assert result.deferred_interest == D("1200.00")
    assert result.remaining is not None
    assert result.remaining.installments[0].interest == D("595.00")


@pytest.mark.parametrize(
    ("amount", "kwargs"),
    [
        (D("-1"), {"after": 1}),
        (D("1.001"), {"after": 1}),
        (D("999999"), {"after": 1}),
        (D("100"), {}),
        (D("100"), {"after": 1, "on": date(2025, 3, 1)}),
        (D("100"), {"after": 24}),
        (D("100"), {"on": date(2024, 12, 31)}),
        (D("100"), {"on": date(2027, 1, 15)}),
        (D("100"), {"after": 1, "reamortise": "shorter"}),
    ],
)
def test_bad_prepayments_are_refused(amount: Decimal, kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        prepay(build_schedule(LOAN), amount, **kwargs)  # type: ignore[arg-type]


def test_dated_prepayment_needs_dates() -> None:
    with pytest.raises(InvalidInput):
        prepay(build_schedule(LOAN.with_(start=None)), D("100"), on=date(2025, 3, 1))


# --- penalty interest -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "grace", "waives", "charged"),
    [
        (3, 3, True, 0),
        (3, 3, False, 0),
        (4, 3, True, 1),
        (4, 3, False, 4),
        (10, 0, True, 10),
        (0, 0, True, 0),
    ],
)
def test_grace_days_waive_or_not(days: int, grace: int, waives: bool, charged: int) -> None:
    assert charged_days(days, grace, waives) == charged
    result = penalty_interest(
        overdue_principal=D("3600.00"), days=days, rate=D("0.10"), grace_days=grace, grace_waives=waives
    )
    assert result.penalty == D(charged)


def test_compound_interest_can_be_off_and_accrual_is_cumulative() -> None:
    off = penalty_interest(
        overdue_principal=D("1000"), unpaid_interest=D("500"), days=30, rate=D("0.0735"), compound=False
    )
    assert off.compound == 0
    to_date = accrued_to(
        date(2025, 1, 15),
        date(2025, 2, 14),
        overdue_principal=D("1223.94"),
        unpaid_interest=D("4083.33"),
        rate=D("0.0735"),
    )
    assert (to_date.penalty, to_date.compound) == (D("7.50"), D("25.01"))


def test_penalty_inputs_are_checked() -> None:
    with pytest.raises(InvalidInput):
        penalty_interest(overdue_principal=D("1"), days=1, rate=D("0.1"), day_basis=100)
    with pytest.raises(InvalidInput):
        penalty_interest(overdue_principal=D("-1"), days=1, rate=D("0.1"))
    with pytest.raises(InvalidInput):
        charged_days(-1)


# --- LPR repricing --------------------------------------------------------------------------------


def test_repricing_dates() -> None:
    assert repricing_dates("january-first", date(2023, 3, 5), date(2025, 6, 1)) == [
        date(2024, 1, 1),
        date(2025, 1, 1),
    ]
    assert repricing_dates("anniversary", date(2024, 2, 29), date(2026, 3, 1)) == [
        date(2025, 2, 28),
        date(2026, 2, 28),
    ]
    assert repricing_dates("none", date(2024, 1, 1), date(2030, 1, 1)) == []
    with pytest.raises(InvalidInput):
        repricing_dates("weekly", date(2024, 1, 1), date(2025, 1, 1))


def test_lpr_linked_mortgage_reprices_each_january() -> None:
    series = LprSeries.default()
    price = lpr_price(D("-0.0045"), floor=D("0.03"))
    initial, changes = lpr_rate_changes(
        series, LprTenor.five_year, "january-first", date(2022, 3, 10), date(2052, 3, 10), price
    )
    assert initial == D("0.0415")  # 4.60 % - 45bp
    assert changes[0].on == date(2023, 1, 1)
    assert changes[0].annual == D("0.0385")  # 4.30 % - 45bp
    assert changes[-1].annual == D("0.0305")  # the latest fixing, 3.50 % - 45bp
    terms = LoanTerms(D("1000000.00"), initial, 360, start=date(2022, 3, 10), rate_changes=changes)
    rows = build_schedule(terms).installments
    assert rows[9].due_date == date(2023, 1, 10)  # Dec 10 - Jan 10 started before the repricing
    assert rows[9].interest == (rows[8].balance * D("0.0415") / 12).quantize(D("0.01"))
    assert rows[10].interest == (rows[9].balance * D("0.0385") / 12).quantize(D("0.01"))
    assert rows[10].total == pmt(rows[9].balance, D("0.0385") / 12, 350).quantize(D("0.01"))


def test_a_custom_lpr_series_and_a_negative_price_is_refused() -> None:
    series = LprSeries.of([LprFixing(date(2024, 1, 1), D("0.01"), D("0.02"))])
    with pytest.raises(InvalidInput):
        lpr_rate_changes(series, "1y", "none", date(2024, 6, 1), date(2025, 6, 1), lpr_price(D("-0.02")))


def test_daily_interest_with_a_rate_change_mid_period() -> None:
    terms = LoanTerms(
        D("36500.00"),
        D("0.0365"),
        2,
        method=RepaymentMethod.interest_only,
        start=date(2025, 1, 1),
        interest=InterestMode.daily,
    )
    assert build_schedule(terms).installments[0].interest == (D("36500") * D("0.0365") * 31 / 360).quantize(
        D("0.01")
    )

"""Every case of the published golden figures (../shared/golden/schedules.yaml), under its convention.

The file is copied into the repository (CI may run without ../shared); a test keeps the copy equal
to the shared original whenever that exists. Inputs and expected figures are read from the file.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from loanfactory.calendar import DayCount, Frequency
from loanfactory.conventions import InterestMode, RepaymentMethod, ScheduleStyle, TotalsStyle
from loanfactory.lpr import LprSeries
from loanfactory.money import parse_rate
from loanfactory.schedule import (
    LoanTerms,
    ScheduleFee,
    annual_percentage_rate,
    apr_of_flows,
    build_schedule,
    penalty_interest,
    penalty_rate,
    prepay,
)

HERE = Path(__file__).parent
COPY = HERE / "golden_schedules.yaml"
SHARED = HERE.parents[2] / "shared" / "golden" / "schedules.yaml"
CASES: dict[str, dict[str, Any]] = {
    c["id"]: c for c in yaml.safe_load(COPY.read_text(encoding="utf-8"))["cases"]
}
D = Decimal


def test_copy_equals_the_shared_golden_file() -> None:
    if not SHARED.exists():
        pytest.skip("../shared/golden/schedules.yaml is not present in this checkout")
    assert COPY.read_bytes() == SHARED.read_bytes()


def test_every_case_has_a_test() -> None:
    tested = {
        name.removeprefix("test_").split("_")[0].upper() for name in globals() if name.startswith("test_g")
    }
    assert set(CASES) <= tested, set(CASES) - tested


def terms(inp: dict[str, Any], **changes: Any) -> LoanTerms:
    method = RepaymentMethod(changes.pop("method", inp.get("method", "annuity")))
    return LoanTerms(
        principal=D(inp["principal"]),
        annual_rate=D(inp["annual_rate"]),
        term=int(inp["periods"]),
        frequency=Frequency(inp.get("frequency", "monthly")),
        method=method,
        **changes,
    )


def rate(text: str) -> Decimal:
    return parse_rate(text)


def test_g01_annuity_display_posting_and_totals() -> None:
    case = CASES["G01"]
    t, e = terms(case["input"]), case["expect"]
    display = build_schedule(t, ScheduleStyle.display)
    posting = build_schedule(t)
    assert display.level_installment == D(e["installment"]) == posting.level_installment
    row = display.installments[0]
    assert (row.interest, row.principal, row.balance) == tuple(
        D(e["display_row_1"][k]) for k in ("interest", "principal", "balance")
    )
    assert display.totals.total == D(e["totals_exact"]["total"])
    assert display.totals.interest == D(e["totals_exact"]["interest"])
    rounded = build_schedule(t.with_(totals=TotalsStyle.rounded), ScheduleStyle.display)
    assert rounded.totals.total == D(e["totals_rounded"]["total"])
    row = posting.installments[0]
    assert (row.interest, row.principal, row.balance) == tuple(
        D(e["posting_row_1"][k]) for k in ("interest", "principal", "balance")
    )
    assert posting.installments[-1].total == D(e["posting_last_total"])
    assert posting.totals.interest == D(e["posting_total_interest"])
    assert posting.totals.principal == t.principal


def test_g02_equal_principal() -> None:
    case = CASES["G02"]
    t, e = terms(case["input"]), case["expect"]
    posting = build_schedule(t)
    row = posting.installments[0]
    expect = e["posting_row_1"]
    assert (row.principal, row.interest, row.total, row.balance) == tuple(
        D(expect[k]) for k in ("principal", "interest", "total", "balance")
    )
    display = build_schedule(t, ScheduleStyle.display)
    assert display.totals.interest == D(e["totals_exact"]["interest"])
    assert display.totals.total == D(e["totals_exact"]["total"])
    assert posting.installments[0].total - posting.installments[1].total == D(e["monthly_decrement"])
    assert posting.installments[-1].total == D(e["posting_last_total"])
    assert posting.totals.interest == D(e["posting_total_interest"])


def test_g03_both_methods() -> None:
    case = CASES["G03"]
    e = case["expect"]
    annuity = build_schedule(terms(case["input"]), ScheduleStyle.display)
    assert annuity.level_installment == D(e["annuity"]["installment"])
    assert annuity.totals.total == D(e["annuity"]["totals_exact"]["total"])
    assert annuity.totals.interest == D(e["annuity"]["totals_exact"]["interest"])
    ep = e["equal_principal"]
    equal = build_schedule(terms(case["input"], method="equal_principal"), ScheduleStyle.display)
    assert equal.installments[0].total == D(ep["row_1_total"])
    assert equal.installments[0].total - equal.installments[1].total == D(ep["monthly_decrement"])
    assert equal.totals.total == D(ep["totals_exact"]["total"])
    assert equal.totals.interest == D(ep["totals_exact"]["interest"])


def test_g07_consumer_loan() -> None:
    case = CASES["G07"]
    e = case["expect"]
    t = terms(case["input"])
    posting = build_schedule(t)
    a = e["annuity"]
    assert posting.level_installment == D(a["installment"])
    assert build_schedule(t, ScheduleStyle.display).totals.interest == D(a["totals_exact"]["interest"])
    p = a["posting"]
    assert all(r.total == D(p["rows_1_to_11_total"]) for r in posting.installments[:11])
    assert posting.installments[-1].total == D(p["last_total"])
    assert posting.totals.interest == D(p["total_interest"])
    assert (posting.installments[0].principal, posting.installments[0].interest) == (
        D(p["row_1"]["principal"]),
        D(p["row_1"]["interest"]),
    )
    assert (posting.installments[11].principal, posting.installments[11].interest) == (
        D(p["row_12"]["principal"]),
        D(p["row_12"]["interest"]),
    )
    ep = e["equal_principal"]
    equal = build_schedule(terms(case["input"], method="equal_principal"))
    assert equal.installments[0].total == D(ep["row_1_total"])
    assert equal.installments[-1].total == D(ep["last_total"])
    assert equal.totals.interest == D(ep["total_interest"])


def test_g09_interest_only_and_daily_variant() -> None:
    case = CASES["G09"]
    e = case["expect"]
    t = terms(case["input"])
    s = build_schedule(t)
    assert all(r.total == D(e["rows_1_to_11_total"]) for r in s.installments[:11])
    assert s.installments[-1].total == D(e["last_total"])
    assert s.totals.interest == D(e["total_interest"])
    v = e["daily_variant"]
    daily = build_schedule(
        t.with_(
            start=date.fromisoformat(v["start"]),
            interest=InterestMode.daily,
            day_count=DayCount(v["day_count"]),
        )
    )
    assert [r.interest for r in daily.installments[:4]] == [D(x) for x in v["first_four_interest"]]
    assert [r.days for r in daily.installments[:4]] == [31, 28, 31, 30]
    assert daily.totals.interest == D(v["total_interest"])


def test_g10_bullet() -> None:
    for case in CASES["G10"]["cases"]:
        if "days" in case:
            t = LoanTerms(
                D(case["principal"]),
                rate(case["annual_rate"]),
                int(case["days"]),
                method=RepaymentMethod.bullet,
                frequency=Frequency.daily,
                start=date(2025, 1, 1),
                interest=InterestMode.daily,
                day_count=DayCount(case["day_count"]),
            )
        elif "monthly_rate" in case:
            months = int(case["term"].split()[0])
            t = LoanTerms(
                D(case["principal"]), D(case["monthly_rate"]) * 12, months, method=RepaymentMethod.bullet
            )
        else:
            years = int(case["term"].split()[0])
            t = LoanTerms(
                D(case["principal"]),
                D(case["annual_rate"]),
                years,
                method=RepaymentMethod.bullet,
                frequency=Frequency.annual,
            )
        (row,) = build_schedule(t).installments
        assert row.interest == D(case["interest"]), case
        assert row.principal == t.principal


def test_g11_pboc_apr_example() -> None:
    case = CASES["G11"]
    flows = case["input"]["cash_flows"]
    e = case["expect"]
    with_fee = apr_of_flows([D(flows["t0"]), *[D(flows["monthly_t1_to_t12"])] * 12], D(12))
    assert with_fee.disclosed(D("0.0001")) == (rate(e["apr_irr_x12"]), rate(e["effective_annual"]))
    lent = D(flows["t0"]) - D(1000)  # the same loan without the upfront fee: the full 100,000 is received
    without = apr_of_flows([lent, *[D(flows["monthly_t1_to_t12"])] * 12], D(12))
    assert without.disclosed() == (
        rate(e["without_fee"]["apr_irr_x12"]),
        rate(e["without_fee"]["effective_annual"]),
    )


def test_g11_as_a_schedule_with_an_upfront_fee() -> None:
    """The same loan built as a product: 0.5 %/month flat fee per installment and a 1 % upfront fee."""
    e = CASES["G11"]["expect"]
    t = LoanTerms(
        D("100000.00"),
        D(0),
        12,
        method=RepaymentMethod.equal_principal,
        fees=(
            ScheduleFee("monthly", timing="per-installment", percent=D("0.005")),
            ScheduleFee("arrangement", timing="upfront", percent=D("0.01")),
        ),
    )
    apr = annual_percentage_rate(build_schedule(t))
    assert apr.disclosed() == (rate(e["apr_irr_x12"]), rate(e["effective_annual"]))


def test_g12_flat_monthly_fee() -> None:
    for case in CASES["G12"]["cases"]:
        t = LoanTerms(
            D(case["principal"]),
            D(0),
            int(case["periods"]),
            method=RepaymentMethod.equal_principal,
            fees=(ScheduleFee("installment", timing="per-installment", percent=D(case["monthly_fee_rate"])),),
        )
        s = build_schedule(t)
        assert s.installments[0].total == D(case["installment"])
        assert s.totals.fee == D(case["total_fee"])
        assert annual_percentage_rate(s).disclosed() == (
            rate(case["apr_irr_x12"]),
            rate(case["effective_annual"]),
        )


def test_g13_prepayment_keep_term() -> None:
    case = CASES["G13"]
    inp, e = case["input"], case["expect"]
    t = terms(inp)
    display = build_schedule(t, ScheduleStyle.display)
    assert display.level_installment == D(e["original_installment"])
    assert display.totals.total == D(e["original_totals_exact"]["total"])
    assert display.totals.interest == D(e["original_totals_exact"]["interest"])
    k = int(inp["prepay_after_installment"])
    posting = build_schedule(t)
    assert posting.installments[k - 1].balance == D(e["balance_after_12"])
    result = prepay(posting, D(inp["prepay_amount"]), after=k, reamortise="keep-term")
    assert result.balance_after == D(e["balance_after_prepayment"])
    assert result.remaining is not None
    keep = e["keep_term"]
    assert len(result.remaining.installments) == keep["remaining_periods"]
    assert result.remaining.level_installment == D(keep["installment"])
    exact = build_schedule(result.remaining.terms, ScheduleStyle.display)
    assert exact.totals.total == D(keep["totals_exact"]["total"])
    assert exact.totals.interest == D(keep["totals_exact"]["interest"])


def test_g14_balance_after_k_and_reamortisation() -> None:
    case = CASES["G14"]
    e = case["expect"]
    t = terms(case["input"])
    posting = build_schedule(t)
    assert posting.level_installment == D(e["installment"])
    rounded = build_schedule(t.with_(totals=TotalsStyle.rounded), ScheduleStyle.display)
    assert rounded.totals.total == D(e["totals_rounded"]["total"])
    assert rounded.totals.interest == D(e["totals_rounded"]["interest"])
    for i, key in enumerate(("row_1", "row_2")):
        row = posting.installments[i]
        assert (row.interest, row.principal) == (D(e[key]["interest"]), D(e[key]["principal"]))
    first4 = posting.installments[:4]
    assert sum(r.interest for r in first4) == D(e["after_4"]["interest_paid"])
    assert sum(r.principal for r in first4) == D(e["after_4"]["principal_paid"])
    assert first4[-1].balance == D(e["after_4"]["balance"])
    re = e["reamortise"]
    again = LoanTerms(
        D(re["principal"]), D(re["annual_rate"]), int(re["periods"]), totals=TotalsStyle.rounded
    )
    shown = build_schedule(again, ScheduleStyle.display)
    assert shown.level_installment == D(re["installment"])
    assert shown.totals.total == D(re["totals_rounded"]["total"])
    assert shown.totals.interest == D(re["totals_rounded"]["interest"])


def test_g15_penalty_and_compound_interest() -> None:
    for case in CASES["G15"]["cases"]:
        if "penalty_rate" in case:
            annual = D(case["penalty_rate"])
        else:
            annual = penalty_rate(D(case["contract_rate"]), D(case["penalty_uplift"]))
        charge = penalty_interest(
            overdue_principal=D(case["overdue_principal"]),
            unpaid_interest=D(case.get("unpaid_interest", "0")),
            days=int(case["days"]),
            rate=annual,
            day_basis=int(case["day_basis"]),
        )
        assert charge.penalty == D(case["penalty"]), case
        if "compound" in case:
            assert charge.compound == D(case["compound"])
            assert charge.total == D(case["total"])


def test_g15_penalty_rate_of_g01_row_1() -> None:
    case = CASES["G15"]["cases"][3]
    assert penalty_rate(D("0.049"), D("0.5")) == D(case["penalty_rate"])
    row = build_schedule(terms(CASES["G01"]["input"])).installments[0]
    assert (row.principal, row.interest) == (D(case["overdue_principal"]), D(case["unpaid_interest"]))


def test_g16_private_lending_cap() -> None:
    from loanfactory.compliance import private_lending_cap

    for case in CASES["G16"]["cases"]:
        lpr = D(case["lpr_1y"])
        series = LprSeries.default()
        # the last day on which a fixing of this value is in force (contracts from 2020-08-20 on)
        days = [
            nxt.date - timedelta(days=1)
            for f, nxt in zip(series.fixings, series.fixings[1:], strict=False)
            if f.one_year == lpr
        ] + [series.latest.date] * (series.latest.one_year == lpr)
        assert days, f"no fixing of {lpr} in the shipped LPR series"
        assert private_lending_cap(days[-1], series) == D(case["cap"])
        if "unsupported_excess" in case:
            excess = (D(case["contract_rate"]) - D(case["cap"])) * D(case["principal"]) * int(case["years"])
            assert excess == D(case["unsupported_excess"])


def test_g18_irregular_first_period() -> None:
    case = CASES["G18"]
    inp, e = case["input"], case["expect"]
    t = LoanTerms(
        D(inp["principal"]),
        D(inp["annual_rate"]),
        int(inp["periods"]),
        start=date.fromisoformat(inp["disbursed"]),
        first_due=date.fromisoformat(inp["first_due"]),
    )
    row = build_schedule(t).installments[0]
    assert row.days == e["first_period_days"]
    assert (row.interest, row.principal, row.total) == (
        D(e["first_period_interest"]),
        D(e["first_period_principal"]),
        D(e["first_installment"]),
    )
    by_due_day = build_schedule(t.with_(first_due=None, due_day=20)).installments[0]
    assert by_due_day == row

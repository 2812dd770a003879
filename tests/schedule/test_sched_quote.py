"""Product glue: the engine's view of a product's contract terms, and quotes (schedule, fees, APR)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from loanfactory.calendar import FirstPeriod, Frequency
from loanfactory.conventions import InterestMode, RepaymentMethod
from loanfactory.errors import InvalidInput, SpecError
from loanfactory.money import ResiduePlacement
from loanfactory.quote import quote, quote_product
from loanfactory.schedule import LoanTerms
from loanfactory.spec import ProductSpec, load_product, load_product_text
from loanfactory.terms import contract_terms, schedule_terms

D = Decimal
PRODUCTS = Path(__file__).parents[2] / "products"

PRODUCT = """
code: fee_heavy
name: {zh: 分期手续费产品}
effective: {from: 2025-01-01}
channels: [app]
segments: [individual]
purposes: [consumer]
amount: {min: 1000, max: 50000, step: 100}
term: {allowed: [3, 6, 12]}
rate: {type: fixed, annual: "0%"}
repayment:
  methods: [equal_principal, annuity]
  first_period: full-period
  grace: {principal_periods: 1}
  rounding: {mode: half-even, unit: 0.01, installment_multiple: 1, residue: first}
fees:
  - {id: installment_fee, kind: installment, timing: per-installment, percent: "0.6%"}
  - {id: arrangement, kind: arrangement, timing: upfront, amount: 100}
  - {id: late, kind: late-payment, timing: on-event, event: overdue, amount: 50}
"""


def terms_for(spec: ProductSpec, amount: Decimal, term: int, **choices: object) -> LoanTerms:
    return schedule_terms(contract_terms(spec, amount, term, **choices))  # type: ignore[arg-type]


def product(text: str = PRODUCT) -> ProductSpec:
    spec, problems = load_product_text(text)
    assert spec is not None, [p.format() for p in problems]
    return spec


def test_terms_carry_the_product_settings() -> None:
    terms = terms_for(product(), D("10000"), 12)
    assert terms.method is RepaymentMethod.equal_principal
    assert terms.first_period is FirstPeriod.full_period
    assert terms.residue is ResiduePlacement.first
    assert terms.installment_multiple == D(1)
    assert terms.grace_principal == 1
    # the overdue fee is charged on an event, not in the schedule
    assert [f.name for f in terms.fees] == ["installment_fee", "arrangement"]


def test_quote_lists_fees_and_the_apr() -> None:
    q = quote(product(), D("10000"), 12, method=RepaymentMethod.annuity)
    fees = {f.name: f.amount for f in q.fees}
    assert fees == {"installment_fee": D("720.00"), "arrangement": D("100")}
    assert q.total_cost == D("820.00")
    assert q.apr.nominal > D("0.1303")  # the upfront fee adds to the 13.03 % of the monthly fee alone


@pytest.mark.parametrize(
    ("amount", "term", "method", "field"),
    [
        (D("999"), 12, None, "amount"),
        (D("1050"), 12, None, "amount"),
        (D("10000"), 24, None, "term"),
        (D("10000"), 12, RepaymentMethod.bullet, "method"),
    ],
)
def test_what_the_product_does_not_allow_is_refused(
    amount: Decimal, term: int, method: RepaymentMethod | None, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        terms_for(product(), amount, term, method=method)
    assert caught.value.field == field


def test_day_term_bullet_and_floating_products() -> None:
    bridge, _ = load_product(PRODUCTS / "bridge_loan.yaml")
    assert bridge is not None
    terms = terms_for(bridge, D("100000"), 90, start=date(2025, 7, 1))
    assert (terms.frequency, terms.term, terms.method) == (Frequency.daily, 90, RepaymentMethod.bullet)
    assert terms.interest is InterestMode.daily
    mortgage, _ = load_product(PRODUCTS / "home_mortgage.yaml")
    assert mortgage is not None
    signed = terms_for(mortgage, D("1000000"), 360, start=date(2024, 3, 1))
    assert signed.annual_rate == D("0.0350")  # 5y LPR 3.95 % on 2024-03-01 - 45bp
    assert signed.rate_changes[0].on == date(2025, 1, 1)
    undated = terms_for(mortgage, D("1000000"), 360)
    assert undated.annual_rate == D("0.0305")
    assert undated.rate_changes == ()


def test_quote_product_reports_a_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("code: x\nrate: {type: fixed, annual: 4.9}\n", encoding="utf-8")
    with pytest.raises(SpecError):
        quote_product(bad, amount=D("1000"), term=12)


@pytest.mark.parametrize("path", sorted(PRODUCTS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_product_quotes_at_its_smallest_amount_and_term(path: Path) -> None:
    spec, _ = load_product(path)
    assert spec is not None
    for method in spec.repayment.methods:
        q = quote(spec, spec.amount.min, spec.term.shortest, method=method, start=spec.effective.from_)
        assert sum(r.principal for r in q.schedule.installments) == spec.amount.min
        assert q.apr.nominal >= 0


def test_the_product_prepayment_policy_drives_the_penalty() -> None:
    from loanfactory.schedule import build_schedule, prepay
    from loanfactory.spec import PrepaymentPenalty, PrepaymentPenaltyKind, PrepaymentPolicy

    policy = PrepaymentPolicy(
        penalty=(
            PrepaymentPenalty(
                until_period=6, kind=PrepaymentPenaltyKind.percent_of_prepaid, percent=D("0.02")
            ),
            PrepaymentPenalty(kind=PrepaymentPenaltyKind.months_of_interest, months=1),
        )
    )
    terms = terms_for(product(), D("10000"), 12, method=RepaymentMethod.annuity).with_(annual_rate=D("0.06"))
    schedule = build_schedule(terms)
    assert prepay(schedule, D("1000.00"), after=3, penalty=policy.penalty).penalty == D("20.00")
    assert prepay(schedule, D("1000.00"), after=8, penalty=policy.penalty).penalty == D(
        "5.00"
    )  # a month at 6 %

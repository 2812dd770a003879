"""The one builder of a loan's contract terms: pricing decisions, coupons, LPR resets, JSON.

Expected figures are computed here with plain Decimal arithmetic (or taken from the published
example of the capability), never copied from the code's output.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanfactory.compliance import load_profile
from loanfactory.errors import InvalidInput
from loanfactory.lpr import LprFixing, LprSeries
from loanfactory.origination import Coupon
from loanfactory.origination._pricing import price
from loanfactory.pricing import PricingDecision
from loanfactory.quote import quote
from loanfactory.spec import ProductSpec, load_product_or_raise, load_product_text
from loanfactory.terms import (
    Concession,
    ContractTerms,
    contract_schedule,
    contract_terms,
    dated,
    interest_free_amount,
    repriced,
)

D = Decimal
CENT = D("0.01")
PRODUCTS = Path(__file__).resolve().parents[2] / "products"
SERIES = LprSeries.default()  # 1y 3.00 %, 5y 3.50 % since 2025-05-20


def product(code: str) -> ProductSpec:
    return load_product_or_raise(PRODUCTS / f"{code}.yaml")


def fen(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def annuity_rows(principal: Decimal, annual: Decimal, n: int) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(principal, interest, total) of a monthly annuity by hand: PMT rounded, interest per row rounded,
    the last row takes the balance."""
    i = annual / 12
    level = fen(principal * i / (1 - (1 + i) ** -n))
    rows, balance = [], principal
    for k in range(n):
        interest = fen(balance * i)
        part = balance if k == n - 1 else level - interest
        balance -= part
        rows.append((part, interest, part + interest))
    return rows


# --- pricing decisions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade_rate", "expected"),
    [(D("0.0435"), D("0.0435")), (D("0.055"), D("0.055")), (D("0.072"), D("0.072"))],
)
def test_a_decided_rate_is_the_contract_rate(grade_rate: Decimal, expected: Decimal) -> None:
    """A grade table A 4.35 % / B 5.5 % / C 7.2 %: each grade gets its own rate."""
    terms = contract_terms(
        product("consumer_credit"), D("80000"), 12, pricing=PricingDecision(rate=grade_rate)
    )
    assert terms.annual_rate == expected


def test_a_rate_of_zero_is_held_at_the_floor_only_where_there_is_one() -> None:
    consumer = product("consumer_credit")  # floor 3 %
    assert contract_terms(consumer, D("80000"), 12, pricing=PricingDecision(rate=D(0))).annual_rate == D(
        "0.03"
    )
    no_floor = consumer.model_copy(update={"rate": consumer.rate.model_copy(update={"floor": None})})
    assert contract_terms(no_floor, D("80000"), 12, pricing=PricingDecision(rate=D(0))).annual_rate == 0


def test_a_spread_is_added_to_the_products_rate_for_the_term() -> None:
    consumer = product("consumer_credit")  # 3.9 % for 12 months, 4.5 % from 25
    up = contract_terms(consumer, D("80000"), 12, pricing=PricingDecision(spread=D("0.012")))
    down = contract_terms(consumer, D("80000"), 36, pricing=PricingDecision(spread=D("-0.002")))
    assert (up.annual_rate, down.annual_rate) == (D("0.051"), D("0.043"))
    assert contract_terms(consumer, D("80000"), 12).annual_rate == D("0.039")  # no decision: the product's


def test_origination_prices_on_the_decision_and_builds_the_rate_step_by_step() -> None:
    spec = product("consumer_credit")
    priced = price(
        spec,
        D("80000"),
        12,
        method=spec.repayment.method,
        start=date(2025, 8, 1),
        lpr=SERIES,
        pricing=PricingDecision(rate=D("0.055"), rule="grade_table"),
        coupon=None,
        caps=load_profile,
    )
    assert priced.annual_rate == D("0.055")
    assert sum(c.value for c in priced.components) == D("0.055")
    assert [c.name for c in priced.components] == ["fixed", "rule-rate"]
    assert priced.schedule.installments[0].total == annuity_rows(D("80000"), D("0.055"), 12)[0][2]


def test_a_floating_loan_keeps_the_decision_as_a_spread_over_the_lpr() -> None:
    mortgage = product("home_mortgage")  # 5y LPR - 45 bp, reset every 1 January
    series = LprSeries.of([*SERIES.fixings, LprFixing(date(2025, 12, 22), D("0.0290"), D("0.0330"))])
    terms = contract_terms(
        mortgage,
        D("1000000"),
        120,
        start=date(2025, 8, 1),
        pricing=PricingDecision(rate=D("0.04")),
        lpr=series,
    )
    assert terms.annual_rate == D("0.04")
    assert terms.rate.spread == D("0.04") - D("0.035")  # the decided rate over the 5y LPR on the start date
    assert terms.rate_on(date(2026, 1, 1)) == D("0.0330") + D("0.005")  # the reset moves with the LPR


def test_a_negative_decided_rate_is_refused_with_its_field() -> None:
    consumer = product("consumer_credit")
    no_floor = consumer.model_copy(update={"rate": consumer.rate.model_copy(update={"floor": None})})
    with pytest.raises(InvalidInput) as caught:
        contract_terms(no_floor, D("80000"), 12, pricing=PricingDecision(spread=D("-0.05")))
    assert caught.value.field == "rate"


# --- coupons ----------------------------------------------------------------------------------


def test_the_published_coupon_example_is_offered_and_priced_to_the_fen() -> None:
    """consumer_credit 80,000 x 12 at 4.1 % with a 7-day interest-free coupon: first payment
    6,751.87 and total interest 1,724.01 (the figures the offer disclosed)."""
    terms = contract_terms(
        product("consumer_credit"),
        D("80000"),
        12,
        start=date(2025, 8, 1),
        pricing=PricingDecision(spread=D("0.002")),
        concession=Concession(interest_free_days=7, id="cpn-1"),
    )
    schedule = contract_schedule(terms)
    assert terms.annual_rate == D("0.041")
    assert schedule.installments[0].total == D("6751.87")
    assert schedule.totals.interest == D("1724.01")
    # by hand: the annuity's first payment less 80,000 x 4.1 % x 7 / 360
    free = fen(D("80000") * D("0.041") * 7 / 360)
    by_hand = annuity_rows(D("80000"), D("0.041"), 12)
    assert free == D("63.78")
    assert by_hand[0][2] - free == D("6751.87")
    assert sum(r[1] for r in by_hand) - free == D("1724.01")


ACT_365 = """
code: daily_365
name: {zh: 按 365 天计息的消费贷}
effective: {from: 2025-01-01}
channels: [app]
segments: [individual]
purposes: [consumer]
amount: {min: 1000, max: 100000, step: 100}
term: {allowed: [12]}
rate: {type: fixed, annual: "7.3%"}
repayment: {methods: [annuity], interest: daily, day_count: ACT/365F}
"""


def test_interest_free_days_use_the_products_day_count() -> None:
    spec, problems = load_product_text(ACT_365)
    assert spec is not None, problems
    terms = contract_terms(
        spec, D("50000"), 12, start=date(2025, 8, 1), concession=Concession(interest_free_days=10)
    )
    assert interest_free_amount(terms) == fen(D("50000") * D("0.073") * 10 / 365) == D("100.00")
    plain = contract_schedule(terms.evolve(interest_free_days=0))
    waived = contract_schedule(terms)
    assert plain.totals.interest - waived.totals.interest == D("100.00")
    assert waived.installments[0].interest == plain.installments[0].interest - D("100.00")


def test_a_coupon_discount_cannot_pass_the_floor() -> None:
    terms = contract_terms(
        product("consumer_credit"), D("80000"), 12, concession=Concession(rate_discount=D("0.02"))
    )
    assert terms.annual_rate == D("0.03")  # 3.9 % - 2 % held at the 3 % floor


def test_hostile_coupons_and_choices_are_refused() -> None:
    consumer = product("consumer_credit")
    with pytest.raises(InvalidInput):
        Concession(rate_discount=D("-0.01"))
    with pytest.raises(InvalidInput):
        Concession(interest_free_days=-1)
    with pytest.raises(InvalidInput) as caught:  # interest-free days need a value date to count them
        contract_terms(consumer, D("80000"), 12, concession=Concession(interest_free_days=7))
    assert caught.value.field == "start"
    for amount, term, field in ((D("999"), 12, "amount"), (D("80000"), 13, "term")):
        with pytest.raises(InvalidInput) as caught:
            contract_terms(consumer, amount, term)
        assert caught.value.field == field


def test_the_offer_and_the_quote_are_one_computation() -> None:
    spec = product("consumer_credit")
    coupon = Coupon(
        id="cpn-1",
        campaign_id="cmp-1",
        campaign_code="welcome",
        customer_id="cus-1",
        rate_discount_bp=20,
        interest_free_days=7,
        issued_at=datetime(2025, 8, 1, tzinfo=UTC),
        expires_on=date(2025, 9, 1),
    )
    priced = price(
        spec,
        D("80000"),
        12,
        method=spec.repayment.method,
        start=date(2025, 8, 1),
        lpr=SERIES,
        pricing=PricingDecision(spread=D("0.005")),
        coupon=coupon,
        caps=load_profile,
    )
    q = quote(
        spec,
        D("80000"),
        12,
        start=date(2025, 8, 1),
        lpr=SERIES,
        pricing=PricingDecision(spread=D("0.005")),
        concession=Concession(rate_discount=D("0.002"), interest_free_days=7, id="cpn-1"),
    )
    assert priced.terms == q.contract
    assert priced.schedule.installments == q.schedule.installments
    assert priced.apr == q.apr
    undiscounted = contract_schedule(
        contract_terms(
            spec, D("80000"), 12, start=date(2025, 8, 1), pricing=PricingDecision(spread=D("0.005"))
        )
    )
    assert priced.subsidy == undiscounted.totals.interest - q.schedule.totals.interest


# --- LPR resets -------------------------------------------------------------------------------


def test_resets_follow_the_rule_the_floor_and_the_cap() -> None:
    mortgage = product("home_mortgage")
    bounded = mortgage.model_copy(
        update={"rate": mortgage.rate.model_copy(update={"floor": D("0.029"), "cap": D("0.033")})}
    )
    series = LprSeries.of(
        [
            *SERIES.fixings,
            LprFixing(date(2025, 12, 22), D("0.0280"), D("0.0320")),  # 3.20 - 0.45 = 2.75: held at 2.9
            LprFixing(date(2026, 12, 21), D("0.0330"), D("0.0390")),  # 3.90 - 0.45 = 3.45: held at 3.3
        ]
    )
    terms = contract_terms(bounded, D("500000"), 36, start=date(2025, 8, 1), lpr=series)
    assert terms.annual_rate == D("0.0305")
    assert [(r.on, r.annual) for r in terms.rate.resets] == [
        (date(2026, 1, 1), D("0.029")),
        (date(2027, 1, 1), D("0.033")),
    ]
    assert repriced(terms, series) == terms  # the same series: nothing to change
    later = dated(terms, date(2025, 9, 15), series)
    assert later.annual_rate == terms.annual_rate  # the rate fixed at signing stays
    assert later.rate.resets == terms.rate.resets


def test_an_anniversary_rule_resets_on_the_value_dates_anniversary() -> None:
    micro = product("micro_business")  # 1y LPR, anniversary
    series = LprSeries.of([*SERIES.fixings, LprFixing(date(2026, 3, 20), D("0.0280"), D("0.0330"))])
    terms = contract_terms(micro, D("500000"), 24, start=date(2025, 8, 15), lpr=series)
    assert [r.on for r in terms.rate.resets] == [date(2026, 8, 15)]
    assert terms.rate.resets[0].annual - terms.annual_rate == D("0.0280") - D("0.0300")


# --- the value ----------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    code=st.sampled_from(sorted(p.stem for p in PRODUCTS.glob("*.yaml"))),
    start=st.dates(date(2025, 7, 1), date(2027, 12, 31)),
    spread_bp=st.integers(-100, 300),
    free_days=st.integers(0, 30),
)
def test_terms_round_trip_through_json_exactly(
    code: str, start: date, spread_bp: int, free_days: int
) -> None:
    spec = product(code)
    terms = contract_terms(
        spec,
        spec.amount.min,
        spec.term.shortest,
        start=start,
        pricing=PricingDecision(spread=D(spread_bp) / 10000),
        concession=Concession(interest_free_days=free_days),
    )
    again = ContractTerms.model_validate_json(terms.model_dump_json())
    assert again == terms
    assert contract_schedule(again) == contract_schedule(terms)
    assert ContractTerms.model_validate(terms.model_dump(mode="python", round_trip=True)) == terms


def test_the_terms_are_strict_about_their_shape() -> None:
    terms = contract_terms(product("consumer_credit"), D("80000"), 12, start=date(2025, 8, 1))
    data = terms.model_dump(mode="json")
    with pytest.raises(ValueError, match="extra"):
        ContractTerms.model_validate({**data, "surprise": 1})
    with pytest.raises(ValueError, match="finite"):
        ContractTerms.model_validate({**data, "amount": "NaN"})
    assert terms.rate_on(date(2030, 1, 1)) == terms.annual_rate  # a fixed rate never resets
    assert terms.penalty_rate_on(date(2025, 9, 1)) == terms.annual_rate * D("1.5")

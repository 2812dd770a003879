"""Product query, comparison and recommendation over the sample catalog."""

from __future__ import annotations

from decimal import Decimal

import pytest
from orig_samples import Keys, enterprise, individual

from loanfactory.errors import InvalidInput
from loanfactory.origination import Origination


def test_filters_narrow_the_catalog(origination: Origination) -> None:
    every = {p.code for p in origination.find_products()}
    assert {"consumer_credit", "micro_business", "home_mortgage"} <= every
    housing = origination.find_products({"purpose": "housing"})
    assert [p.code for p in housing] == ["home_mortgage"]
    small = origination.find_products(
        {"amount": "50000", "term": 12, "segment": "individual", "channel": "app"}
    )
    codes = [p.code for p in small]
    assert "consumer_credit" in codes
    assert "home_mortgage" not in codes
    assert "micro_business" not in codes
    rates = [p.annual_rate for p in small]
    assert rates == sorted(rates)
    cheap = origination.find_products({"max_rate": "0.035"})
    assert all(p.annual_rate <= Decimal("0.035") for p in cheap)
    with pytest.raises(InvalidInput):
        origination.find_products({"max_rate": "4.5"})
    with pytest.raises(InvalidInput):
        origination.find_products({"colour": "red"})


def test_comparison_quotes_the_same_amount_and_term(origination: Origination) -> None:
    rows = origination.compare(
        ["consumer_credit", "salary_loan", "home_mortgage", "nope"], amount="50000", term=12
    )
    by_code = {r.code: r for r in rows}
    ok = by_code["consumer_credit"]
    assert ok.available
    assert ok.apr is not None
    assert ok.total_cost == (ok.total_interest or 0) + (ok.total_fees or 0)
    assert not by_code["home_mortgage"].available
    assert by_code["home_mortgage"].why_not
    assert not by_code["nope"].available
    with pytest.raises(InvalidInput):
        origination.compare([f"p{i}" for i in range(6)], amount="50000", term=12)
    with pytest.raises(InvalidInput):
        origination.compare([], amount="50000", term=12)


def test_recommendations_rank_eligible_products_by_fit_then_apr(origination: Origination, key: Keys) -> None:
    person = origination.register_customer(individual(), idempotency_key=key("reg"))
    ranked = origination.recommend(
        person.id, {"amount": "80000", "term": 12, "purpose": "consumer", "channel": "app"}
    )
    eligible = [r for r in ranked if r.eligible]
    assert eligible
    assert eligible[0].rank == 1
    assert all(r.code not in ("micro_business", "home_mortgage") for r in eligible)
    keys = [(not r.full_amount, r.apr) for r in eligible]
    assert keys == sorted(keys)
    refused = {r.code: r for r in ranked if not r.eligible}
    assert refused["micro_business"].reasons[0].code == "recommend.segment"
    assert ranked[-1].eligible is False
    firm = origination.register_customer(enterprise(), idempotency_key=key("reg"))
    business = origination.recommend(
        firm.id, {"amount": "500000", "term": 12, "purpose": "business", "channel": "branch"}
    )
    assert business[0].code == "micro_business"
    assert business[0].eligible

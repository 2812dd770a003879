"""Hypothesis strategies for rule facts, concentrated around the thresholds the sample rules use."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from loanfactory.facts import (
    AdverseRecord,
    Applicant,
    ApplicationFacts,
    BureauReport,
    CollateralFacts,
    ConsentFacts,
    Facts,
    LoanFacts,
    ProductFacts,
    SubmittedDocument,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy, strategy, strategy)


def money(*anchors: int) -> st.SearchStrategy[Decimal]:
    near = [Decimal(a) + d for a in anchors for d in (Decimal("-0.01"), Decimal(0), Decimal("0.01"))]
    exponent_form = [Decimal("3E+3"), Decimal("5.0E+3"), Decimal("2.0E+5"), Decimal("5E+4"), Decimal("1E+6")]
    return st.one_of(
        st.sampled_from(near),
        st.sampled_from(exponent_form),
        st.integers(0, 3_000_000).map(Decimal),
        st.decimals(0, 100000, places=2, allow_nan=False, allow_infinity=False),
    )


def adversarial(*anchors: str) -> list[Decimal]:
    """Values at each threshold, a hair either side (beyond a double's precision) and the same
    values written in exponent form (``55E-2``, ``1E-7``), which durable_rules once choked on."""
    out: list[Decimal] = []
    for a in anchors:
        x = Decimal(a)
        out += [x, x + Decimal("1E-17"), x - Decimal("1E-17"), x + Decimal("1E-27"), x.scaleb(-9).scaleb(9)]
    out += [Decimal("1E-7"), Decimal("5.5E-8"), Decimal("0E-5"), Decimal("9.99999999999999999E-1")]
    return [v for v in out if v >= 0]


def ratio(*anchors: str) -> st.SearchStrategy[Decimal]:
    return st.one_of(
        st.sampled_from([Decimal(a) for a in anchors]),
        st.sampled_from(adversarial(*anchors)),
        st.integers(0, 100).map(lambda x: Decimal(x) / 100),
    )


DOC_TYPES = [
    "id_card",
    "income_proof",
    "business_licence",
    "financial_statements",
    "bank_statement",
    "legal_rep_id_card",
]
REGIONS = ["BJ", "SH", "GD", "ZJ", "JS", "XZ", "QH"]
DAY = st.dates(date(2024, 1, 1), date(2027, 1, 1))

applicants = st.builds(
    Applicant,
    kind=st.sampled_from(["individual", "enterprise"]),
    age=maybe(st.integers(14, 75)),
    birth_date=maybe(st.dates(date(1950, 1, 1), date(2008, 1, 1))),
    region=maybe(st.sampled_from(REGIONS)),
    monthly_income=maybe(money(3000, 5000, 10000, 15000, 20000)),
    debt_to_income=maybe(ratio("0.2", "0.4", "0.45", "0.55", "0.56")),
    employment_years=maybe(st.integers(0, 12).map(Decimal)),
    education=maybe(st.sampled_from(["high_school", "bachelor", "master"])),
    existing_customer=st.booleans(),
    blacklisted=st.booleans(),
    years_in_business=maybe(st.sampled_from([Decimal(x) for x in ("1", "2", "2.5", "3", "5", "10", "12")])),
    annual_revenue=maybe(money(1_000_000, 5_000_000, 20_000_000)),
    revenue_growth=maybe(st.sampled_from([Decimal(x) for x in ("-0.1", "0", "0.19", "0.2", "0.35")])),
    asset_liability_ratio=maybe(ratio("0.5", "0.6", "0.7", "0.75")),
    tax_rating=maybe(st.sampled_from(["A", "B", "M", "C", "D"])),
    high_tech=maybe(st.booleans()),
    legal_representative_age=maybe(st.integers(16, 70)),
)

applications = st.builds(
    ApplicationFacts,
    amount=money(50000, 200000, 500000),
    term=st.integers(1, 360),
    documents=st.lists(
        st.builds(
            SubmittedDocument, type=st.sampled_from(DOC_TYPES), verified=st.booleans(), expires_on=maybe(DAY)
        ),
        max_size=4,
    ).map(tuple),
    consents=st.lists(
        st.builds(
            ConsentFacts,
            scope=st.sampled_from(["credit_inquiry", "personal_info"]),
            revoked=st.booleans(),
            expires_on=maybe(DAY),
        ),
        max_size=3,
    ).map(tuple),
)

bureaus = st.builds(
    BureauReport,
    credit_score=maybe(
        st.one_of(st.sampled_from([549, 550, 599, 600, 649, 650, 699, 700, 749, 750]), st.integers(0, 1000))
    ),
    overdue_count_24m=st.integers(0, 4),
    inquiries_3m=st.integers(0, 9),
    card_utilization=maybe(ratio("0.5", "0.9", "0.91")),
    severe_records=st.lists(st.builds(AdverseRecord, type=st.just("write_off")), max_size=1).map(tuple),
)

collaterals = st.lists(
    st.builds(
        CollateralFacts,
        type=st.sampled_from(["first_home", "second_home", "deposit", "shares", "vehicle"]),
        value=money(100000, 1000000),
        first_lien=st.booleans(),
    ),
    max_size=3,
).map(tuple)

products = st.builds(
    ProductFacts,
    code=st.just("p"),
    max_amount=maybe(money(200000)),
    min_amount=maybe(money(1000)),
    rate_floor=maybe(st.sampled_from([Decimal("0.03"), Decimal("0.039")])),
    rate_cap=maybe(st.sampled_from([Decimal("0.08"), Decimal("0.18")])),
)

loans = st.builds(
    LoanFacts,
    dpd=st.one_of(st.sampled_from([0, 1, 30, 31, 90, 91, 270, 271, 360, 361]), st.integers(0, 500)),
    disbursed_on=maybe(st.dates(date(2019, 1, 1), date(2026, 12, 31))),
    maturity_date=maybe(st.dates(date(2025, 1, 1), date(2060, 12, 31))),
)

variables = st.fixed_dictionaries(
    {},
    optional={
        "grade": st.sampled_from(["A", "B", "C", "D", "E"]),
        "limit": money(50000),
        "spread": st.sampled_from([Decimal("0.005"), Decimal("0.04")]),
        "cut": st.sampled_from(adversarial("0.5", "0.55")),
    },
)

facts = st.builds(
    Facts,
    as_of=DAY,
    applicant=maybe(applicants),
    application=maybe(applications),
    bureau=maybe(bureaus),
    collateral=collaterals,
    loan=maybe(loans),
    product=maybe(products),
    vars=variables,
)

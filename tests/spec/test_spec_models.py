"""Every model of the product language: behaviour, and every cross-field problem, located."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError
from spec_support import changed, dump, errors, load, sample_data

from loanfactory.calendar import Frequency
from loanfactory.conventions import RepaymentMethod, TermUnit
from loanfactory.spec import (
    AmountRange,
    CollateralType,
    FixedRate,
    FloatingRate,
    GuaranteePolicy,
    LocalizedText,
    OverduePolicy,
    PrepaymentPolicy,
    ProductSpec,
    Repayment,
    TermRange,
    periods_for,
)

# (change: dotted path -> value, or several), expected code, expected diagnostic path, severity
CASES: list[tuple[str, dict[str, Any], str, str, str]] = [
    ("amount min>max", {"amount.min": 500000}, "min-gt-max", "amount.min", "error"),
    ("amount zero step", {"amount.step": 0}, "bad-step", "amount.step", "error"),
    ("amount step misfit", {"amount.step": 300}, "step-misfit", "amount.step", "warning"),
    ("amount not positive", {"amount": {"min": 0, "max": 0}}, "not-positive", "amount.max", "error"),
    ("term neither list nor range", {"term": {"unit": "months"}}, "missing-terms", "term", "error"),
    (
        "term both list and range",
        {"term": {"allowed": [12], "min": 6, "max": 12}},
        "terms-conflict",
        "term.allowed",
        "error",
    ),
    ("term listed twice", {"term.allowed": [12, 12]}, "duplicate-term", "term.allowed", "error"),
    ("term min>max", {"term": {"min": 36, "max": 12}}, "min-gt-max", "term.min", "error"),
    (
        "band terms reversed",
        {"rate.table.0": {"term_min": 24, "term_max": 12, "annual": "3.9%"}},
        "min-gt-max",
        "rate.table[0].term_min",
        "error",
    ),
    (
        "band amounts reversed",
        {"rate.table.0": {"amount_min": 9000, "amount_max": 1000, "annual": "3.9%"}},
        "min-gt-max",
        "rate.table[0].amount_min",
        "error",
    ),
    ("cap below floor", {"rate.cap": "2%"}, "cap-lt-floor", "rate.cap", "error"),
    (
        "fixed band without annual",
        {"rate.table.0": {"term_max": 12}},
        "missing-key",
        "rate.table[0].annual",
        "error",
    ),
    (
        "fixed band with spread",
        {"rate.table.0": {"term_max": 12, "annual": "3.9%", "spread": "10bp"}},
        "not-allowed",
        "rate.table[0].spread",
        "error",
    ),
    ("annual below floor", {"rate.annual": "2%"}, "below-floor", "rate.annual", "error"),
    ("annual above cap", {"rate.annual": "20%"}, "above-cap", "rate.annual", "error"),
    (
        "floating band without spread",
        {"rate": {"type": "floating", "tenor": "1y", "spread": "+50bp", "table": [{"term_max": 12}]}},
        "missing-key",
        "rate.table[0].spread",
        "error",
    ),
    (
        "floating band with annual",
        {
            "rate": {
                "type": "floating",
                "tenor": "1y",
                "spread": "+50bp",
                "table": [{"term_max": 12, "spread": "1bp", "annual": "4%"}],
            }
        },
        "not-allowed",
        "rate.table[0].annual",
        "error",
    ),
    (
        "rounding unit",
        {"repayment.rounding": {"unit": Decimal("0.05")}},
        "bad-unit",
        "repayment.rounding.unit",
        "error",
    ),
    (
        "multiple below unit",
        {"repayment.rounding": {"unit": 1, "installment_multiple": Decimal("0.01")}},
        "bad-multiple",
        "repayment.rounding.installment_multiple",
        "error",
    ),
    (
        "multiple not a multiple",
        {"repayment.rounding": {"unit": Decimal("0.1"), "installment_multiple": Decimal("0.15")}},
        "bad-multiple",
        "repayment.rounding.installment_multiple",
        "error",
    ),
    (
        "balloon shape",
        {"repayment.methods": ["balloon"], "repayment.default_method": "balloon", "repayment.balloon": {}},
        "balloon-shape",
        "repayment.balloon",
        "error",
    ),
    (
        "balloon share",
        {
            "repayment.methods": ["balloon"],
            "repayment.default_method": "balloon",
            "repayment.balloon": {"final_percent": "100%"},
        },
        "out-of-range",
        "repayment.balloon.final_percent",
        "error",
    ),
    (
        "method twice",
        {"repayment.methods": ["annuity", "annuity"]},
        "duplicate",
        "repayment.methods",
        "error",
    ),
    (
        "default not offered",
        {"repayment.default_method": "bullet"},
        "not-allowed",
        "repayment.default_method",
        "error",
    ),
    (
        "balloon without section",
        {"repayment.methods": ["balloon"], "repayment.default_method": "balloon"},
        "missing-key",
        "repayment.balloon",
        "error",
    ),
    (
        "due day weekly",
        {"repayment.frequency": "weekly", "repayment.due_day": 5},
        "not-allowed",
        "repayment.due_day",
        "error",
    ),
    ("fee without value", {"fees": [{"id": "a", "kind": "service"}]}, "fee-value", "fees[0]", "error"),
    (
        "on-event fee without event",
        {"fees": [{"id": "a", "kind": "service", "amount": 10, "timing": "on-event"}]},
        "missing-key",
        "fees[0].event",
        "error",
    ),
    (
        "event on upfront fee",
        {"fees": [{"id": "a", "kind": "service", "amount": 10, "event": "overdue"}]},
        "not-allowed",
        "fees[0].event",
        "error",
    ),
    (
        "fee min>max",
        {"fees": [{"id": "a", "kind": "service", "percent": "1%", "min": 100, "max": 10}]},
        "min-gt-max",
        "fees[0].min",
        "error",
    ),
    (
        "flat fee with basis",
        {"fees": [{"id": "a", "kind": "service", "amount": 10, "basis": "balance"}]},
        "not-allowed",
        "fees[0].basis",
        "warning",
    ),
    (
        "upfront fee on installment",
        {"fees": [{"id": "a", "kind": "service", "percent": "1%", "basis": "installment"}]},
        "not-allowed",
        "fees[0].basis",
        "error",
    ),
    ("penalty day basis", {"penalty.day_basis": 300}, "bad-basis", "penalty.day_basis", "error"),
    ("penalty uplift", {"penalty.uplift": "150%"}, "out-of-range", "penalty.uplift", "warning"),
    (
        "prepayment percent missing",
        {"prepayment.penalty": [{"kind": "percent-of-prepaid"}]},
        "missing-key",
        "prepayment.penalty[0].percent",
        "error",
    ),
    (
        "prepayment months missing",
        {"prepayment.penalty": [{"kind": "months-of-interest"}]},
        "missing-key",
        "prepayment.penalty[0].months",
        "error",
    ),
    (
        "prepayment none with percent",
        {"prepayment.penalty": [{"kind": "none", "percent": "1%"}]},
        "not-allowed",
        "prepayment.penalty[0].kind",
        "error",
    ),
    (
        "prepayment bands unordered",
        {
            "prepayment.penalty": [
                {"until_period": 12, "kind": "percent-of-prepaid", "percent": "1%"},
                {"until_period": 6, "kind": "percent-of-prepaid", "percent": "2%"},
            ]
        },
        "unordered",
        "prepayment.penalty",
        "error",
    ),
    (
        "ltv zero",
        {"guarantee": {"types": ["mortgage"], "collateral": [{"type": "vehicle", "max_ltv": "0%"}]}},
        "out-of-range",
        "guarantee.collateral[0].max_ltv",
        "error",
    ),
    (
        "haircut 100%",
        {
            "guarantee": {
                "types": ["mortgage"],
                "collateral": [{"type": "vehicle", "max_ltv": "80%", "haircut": "100%"}],
            }
        },
        "out-of-range",
        "guarantee.collateral[0].haircut",
        "error",
    ),
    (
        "pledge without collateral",
        {"guarantee": {"types": ["pledge"]}},
        "missing-key",
        "guarantee.collateral",
        "error",
    ),
    (
        "collateral twice",
        {
            "guarantee": {
                "types": ["mortgage"],
                "collateral": [{"type": "vehicle", "max_ltv": "80%"}, {"type": "vehicle", "max_ltv": "70%"}],
            }
        },
        "duplicate",
        "guarantee.collateral[1].type",
        "error",
    ),
    (
        "tier ends before start",
        {"overdue.tiers.1.to_day": 20},
        "min-gt-max",
        "overdue.tiers[1].to_day",
        "error",
    ),
    ("tier gap", {"overdue.tiers.1.from_day": 40}, "tier-gap", "overdue.tiers[1].from_day", "error"),
    ("tier overlap", {"overdue.tiers.1.from_day": 20}, "tier-overlap", "overdue.tiers[1].from_day", "error"),
    (
        "open tier not last",
        {"overdue.tiers.0.to_day": None},
        "open-tier-not-last",
        "overdue.tiers[0].to_day",
        "error",
    ),
    (
        "staged without milestones",
        {"disbursement.mode": "staged"},
        "missing-key",
        "disbursement.milestones",
        "error",
    ),
    (
        "milestones not 100%",
        {
            "disbursement.mode": "staged",
            "disbursement.milestones": [{"id": "a", "percent": "50%"}, {"id": "b", "percent": "40%"}],
        },
        "bad-total",
        "disbursement.milestones",
        "error",
    ),
    (
        "milestones without staged",
        {"disbursement.milestones": [{"id": "a", "percent": "100%"}]},
        "not-allowed",
        "disbursement.milestones",
        "error",
    ),
    (
        "use both allowed and forbidden",
        {"disbursement.allowed_uses": ["securities"]},
        "conflict",
        "disbursement.allowed_uses[0]",
        "error",
    ),
    (
        "fee id twice",
        {"fees": [{"id": "a", "kind": "service", "amount": 1}, {"id": "a", "kind": "other", "amount": 2}]},
        "duplicate",
        "fees[1].id",
        "error",
    ),
    ("ends before it starts", {"effective.to": date(2025, 1, 1)}, "min-gt-max", "effective.to", "error"),
    ("channel twice", {"channels": ["app", "app"]}, "duplicate", "channels", "error"),
    (
        "supply chain for individuals",
        {"purposes": ["supply-chain"]},
        "segment-mismatch",
        "purposes",
        "warning",
    ),
    (
        "day terms with monthly annuity",
        {"term": {"unit": "days", "allowed": [30]}},
        "term-frequency",
        "term.unit",
        "error",
    ),
    (
        "day terms not whole weeks",
        {"term": {"unit": "days", "allowed": [10]}, "repayment.frequency": "weekly"},
        "term-frequency",
        "term",
        "error",
    ),
    (
        "month terms weekly",
        {"repayment.frequency": "weekly"},
        "term-frequency",
        "repayment.frequency",
        "error",
    ),
    (
        "month terms not whole quarters",
        {"term.allowed": [13], "repayment.frequency": "quarterly", "rate.table": []},
        "term-frequency",
        "term",
        "error",
    ),
    (
        "grace too long",
        {"repayment.grace": {"principal_periods": 12}},
        "grace-too-long",
        "repayment.grace",
        "error",
    ),
    (
        "prepayment never allowed",
        {"prepayment.allowed_after_periods": 36},
        "never-allowed",
        "prepayment.allowed_after_periods",
        "warning",
    ),
    (
        "per-installment fee on a bullet loan",
        {
            "repayment.methods": ["bullet"],
            "repayment.default_method": "bullet",
            "fees": [
                {
                    "id": "a",
                    "kind": "service",
                    "percent": "0.1%",
                    "basis": "amount",
                    "timing": "per-installment",
                }
            ],
        },
        "not-allowed",
        "fees[0].timing",
        "warning",
    ),
]


@pytest.mark.parametrize(
    ("change", "code", "path", "severity"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_cross_field_problem_is_located(change: dict[str, Any], code: str, path: str, severity: str) -> None:
    data = sample_data()
    for dotted, value in change.items():
        data = changed(data, dotted, value)
    spec, diagnostics = load(dump(data), file="case.yaml")
    found = [d for d in diagnostics if d.code == code and d.path == path]
    assert found, [d.format() for d in diagnostics]
    assert found[0].severity == severity
    assert found[0].file == "case.yaml"
    assert found[0].line is not None
    assert found[0].column is not None
    assert found[0].message_zh, "every problem has a Chinese message"
    if severity == "error":
        assert spec is None
    else:
        assert spec is not None
        assert not errors(diagnostics)


def test_the_sample_base_of_the_cases_is_valid() -> None:
    spec, diagnostics = load(dump(sample_data()))
    assert spec is not None
    assert diagnostics == []


def test_amount_range_allows_multiples_of_step() -> None:
    amounts = AmountRange(min=Decimal(1000), max=Decimal(5000), step=Decimal(500))
    assert amounts.allows(Decimal(1500))
    assert not amounts.allows(Decimal(1600))
    assert not amounts.allows(Decimal(5500))


def test_term_range_values_from_list_or_range() -> None:
    assert TermRange(allowed=(36, 12, 24, 12)).values() == (12, 24, 36)
    by_step = TermRange(min=12, max=60, step=12)
    assert by_step.values() == (12, 24, 36, 48, 60)
    assert (by_step.shortest, by_step.longest) == (12, 60)
    assert by_step.allows(24)
    assert not by_step.allows(25)
    days = TermRange(unit=TermUnit.days, allowed=(90,))
    assert days.months(90) == 3
    assert TermRange().values() == ()
    assert TermRange().longest == 0


def test_fixed_rate_table_picks_the_first_covering_band() -> None:
    rate = FixedRate.model_validate(
        {
            "annual": "4.2%",
            "table": [{"term_max": 12, "annual": "3.9%"}, {"amount_min": 100000, "annual": "3.5%"}],
        }
    )
    assert rate.annual_rate(12, Decimal(5000)) == Decimal("0.039")
    assert rate.annual_rate(24, Decimal(200000)) == Decimal("0.035")
    assert rate.annual_rate(24, Decimal(5000)) == Decimal("0.042")


def test_floating_rate_is_index_plus_spread_within_floor_and_cap() -> None:
    rate = FloatingRate.model_validate(
        {
            "tenor": "5y+",
            "spread": "-45bp",
            "floor": "3.2%",
            "cap": "6%",
            "table": [{"term_max": 60, "spread": "-30bp"}],
        }
    )
    assert rate.annual_rate_on(Decimal("0.035"), 360, Decimal(1)) == Decimal("0.032")  # 3.05 % held at floor
    assert rate.annual_rate_on(Decimal("0.040"), 360, Decimal(1)) == Decimal("0.0355")
    assert rate.annual_rate_on(Decimal("0.035"), 36, Decimal(1)) == Decimal("0.032")
    assert rate.annual_rate_on(Decimal("0.080"), 360, Decimal(1)) == Decimal("0.06")
    assert rate.spread_for(36, Decimal(1)) == Decimal("-0.003")


def test_repayment_default_method_and_lenient_spellings() -> None:
    repayment = Repayment.model_validate(
        {"methods": ["Equal-Principal", "annuity"], "frequency": "Semi_Annual"}
    )
    assert repayment.method is RepaymentMethod.equal_principal
    assert repayment.frequency is Frequency.semi_annual
    assert (
        Repayment.model_validate({"methods": ["annuity", "bullet"], "default_method": "bullet"}).method
        == "bullet"
    )


def test_prepayment_penalty_band_by_periods_repaid() -> None:
    prepayment = PrepaymentPolicy.model_validate(
        {
            "penalty": [
                {"until_period": 12, "kind": "percent-of-prepaid", "percent": "2%"},
                {"kind": "percent-of-prepaid", "percent": "1%"},
            ]
        }
    )
    band = prepayment.penalty_for(3)
    assert band is not None
    assert band.percent == Decimal("0.02")
    late = prepayment.penalty_for(12)
    assert late is not None
    assert late.percent == Decimal("0.01")
    assert PrepaymentPolicy().penalty_for(0) is None


def test_overdue_tier_for_days_past_due() -> None:
    policy = OverduePolicy.model_validate(
        {
            "tiers": [
                {"from_day": 1, "to_day": 30, "actions": ["reminder"]},
                {"from_day": 31, "actions": ["litigation"]},
            ]
        }
    )
    first = policy.tier_for(30)
    assert first is not None
    assert first.to_day == 30
    last = policy.tier_for(400)
    assert last is not None
    assert last.from_day == 31
    assert policy.tier_for(0) is None


def test_guarantee_rule_for_collateral() -> None:
    policy = GuaranteePolicy.model_validate(
        {"types": ["mortgage"], "collateral": [{"type": "real-estate", "max_ltv": "85%"}]}
    )
    rule = policy.rule_for(CollateralType.real_estate)
    assert rule is not None
    assert rule.max_ltv == Decimal("0.85")
    assert policy.rule_for(CollateralType.vehicle) is None


def test_localized_text_shorthand_and_language() -> None:
    assert LocalizedText.model_validate("个人消费贷") == LocalizedText(zh="个人消费贷")
    text = LocalizedText(zh="车贷", en="Auto loan")
    assert text.text("en") == "Auto loan"
    assert text.text("zh") == "车贷"
    assert LocalizedText(zh="车贷").text("en") == "车贷"


def test_periods_for_terms() -> None:
    assert periods_for(36, TermUnit.months, Frequency.monthly) == 36
    assert periods_for(36, TermUnit.months, Frequency.quarterly) == 12
    assert periods_for(90, TermUnit.days, Frequency.monthly) == 1
    assert periods_for(28, TermUnit.days, Frequency.weekly) == 4


def test_product_spec_is_frozen_and_sellable_by_status_and_dates() -> None:
    spec, _ = load(dump(changed(sample_data(), "effective.to", date(2025, 12, 31))))
    assert spec is not None
    with pytest.raises(ValidationError):
        spec.code = "other"  # type: ignore[misc]
    assert spec.is_sellable(date(2025, 8, 1))
    assert not spec.is_sellable(date(2026, 1, 1))
    assert not spec.is_sellable(date(2025, 6, 30))
    assert not spec.is_floating
    assert spec.fixed_rate(12, Decimal(5000)) == Decimal("0.039")
    assert ProductSpec.model_validate(spec.model_dump(by_alias=True)) == spec

"""How rules price a product, checked by validate: a rate or a spread, plausible values, visible
template pricing; and what the loan-terms builder does with a pricing decision."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from loanfactory.catalog import load_catalog
from loanfactory.errors import InvalidInput
from loanfactory.lpr import LprSeries
from loanfactory.pricing import PricingDecision, implausible, read_pricing
from loanfactory.schedule import LoanTerms
from loanfactory.spec import ProductSpec, load_product_text
from loanfactory.terms import contract_terms, schedule_terms

D = Decimal
ROOT = Path(__file__).resolve().parents[2]

PRODUCT = """code: {code}
name: 测试
effective: {{from: 2025-01-01}}
channels: [app]
segments: [individual]
purposes: [consumer]
amount: {{min: 1000, max: 100000}}
term: {{allowed: [12]}}
rate: {rate}
repayment: {{methods: [annuity]}}
{extra}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def codes(tmp_path: Path) -> list[tuple[str, str, str, int | None]]:
    _, diagnostics = load_catalog([tmp_path])
    return [(d.severity, d.code, Path(d.file or "").name, d.line) for d in diagnostics]


def test_a_pricing_rule_setting_both_a_rate_and_a_spread_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        "r.yaml",
        "kind: rules\ndefinitions:\n  - id: both\n    purpose: pricing\n    rules:\n"
        "      - {id: a, when: true, then: {set: {spread: 1%}}}\n"
        "      - {id: b, when: true, then: {set: {rate: 5%}}}\n",
    )
    assert ("error", "pricing-rate-and-spread", "r.yaml", 3) in codes(tmp_path)


def test_a_flow_whose_steps_set_both_is_an_error_at_the_product(tmp_path: Path) -> None:
    write(
        tmp_path,
        "r.yaml",
        "kind: rules\ndefinitions:\n"
        "  - {id: grade_spread, purpose: scoring, rules: [{id: a, when: true, then: {set: {spread: 1%}}}]}\n"
        "  - {id: grade_rate, purpose: pricing, rules: [{id: b, when: true, then: {set: {rate: 5%}}}]}\n",
    )
    extra = "rules: {scoring: grade_spread, pricing: grade_rate}"
    write(tmp_path, "p.yaml", PRODUCT.format(code="pp", rate='{type: fixed, annual: "4%"}', extra=extra))
    assert ("error", "pricing-rate-and-spread", "p.yaml", 11) in codes(tmp_path)


@pytest.mark.parametrize(
    ("cell", "severity", "code"),
    [
        ("-0.2", "error", "implausible-spread"),  # −20 %, meant as −20 basis points
        ("0.5", "error", "implausible-spread"),
        ("15%", "warning", "implausible-spread"),
        ("-0.2%", None, None),
        ("0.005", None, None),
    ],
)
def test_implausible_spreads_are_located_at_their_row(
    tmp_path: Path, cell: str, severity: str | None, code: str | None
) -> None:
    write(
        tmp_path,
        "r.yaml",
        "kind: rules\ndefinitions:\n  - id: t\n    purpose: pricing\n    hit_policy: UNIQUE\n"
        f"    inputs: [vars.grade]\n    outputs: [spread]\n    rows:\n      - [A, 1%]\n      - [B, {cell}]\n",
    )
    found = [c for c in codes(tmp_path) if c[1].startswith("implausible")]
    assert found == ([] if code is None else [(severity, code, "r.yaml", 10)])


@pytest.mark.parametrize(
    ("value", "severity"), [("4.5", "error"), ("-1%", "error"), ("30%", "warning"), ("4.5%", None)]
)
def test_implausible_rates(tmp_path: Path, value: str, severity: str | None) -> None:
    write(
        tmp_path,
        "r.yaml",
        "kind: rules\ndefinitions:\n  - id: r\n    purpose: pricing\n    rules:\n"
        f"      - {{id: a, when: true, then: {{set: {{rate: {value}}}}}}}\n",
    )
    found = [(s, c) for s, c, _, _ in codes(tmp_path) if c == "implausible-rate"]
    assert found == ([] if severity is None else [(severity, "implausible-rate")])


def test_the_plausibility_messages_say_how_to_write_it() -> None:
    severity, message, message_zh = implausible("spread", D("-0.2")) or ("", "", "")
    assert severity == "error"
    assert "-20%" in message
    assert "'-0.2%'" in message
    assert "加点" in message_zh
    assert implausible("limit", D(5)) is None


def test_pricing_inherited_from_a_template_is_a_warning_until_the_product_names_it(tmp_path: Path) -> None:
    write(
        tmp_path,
        "r.yaml",
        "kind: rules\ndefinitions:\n  - {id: g, purpose: pricing, rules: [{id: a, when: true, "
        "then: {set: {spread: 1%}}}]}\n",
    )
    write(tmp_path, "t.yaml", "kind: template\nid: base\nrules: {pricing: g}\n")
    rate = '{type: fixed, annual: "4%"}'
    write(
        tmp_path,
        "p.yaml",
        PRODUCT.format(code="pp", rate=rate, extra="").replace("code: pp", "code: pp\nextends: base"),
    )
    found = codes(tmp_path)
    assert ("warning", "inherited-pricing", "p.yaml", 2) in found
    named = PRODUCT.format(code="pp", rate=rate, extra="rules: {pricing: g}").replace(
        "code: pp", "code: pp\nextends: base"
    )
    write(tmp_path, "p.yaml", named)
    assert not [c for c in codes(tmp_path) if c[1] == "inherited-pricing"]


def test_suspicious_product_rates_and_fees_are_warnings(tmp_path: Path) -> None:
    fees = (
        "fees:\n  - {id: a, kind: service, timing: per-installment, percent: '3%'}\n"
        "  - {id: b, kind: service, timing: upfront, percent: '12%'}\n"
        "  - {id: c, kind: service, timing: upfront, percent: '1%'}\n"
    )
    write(tmp_path, "p.yaml", PRODUCT.format(code="pp", rate='{type: fixed, annual: "28%"}', extra=fees))
    found = [(c, line) for s, c, _, line in codes(tmp_path) if s == "warning"]
    assert found == [("suspicious-rate", 9), ("suspicious-rate", 12), ("suspicious-rate", 13)]
    floating = '{type: floating, tenor: 1y, spread: "+1200bp"}'
    write(tmp_path, "p.yaml", PRODUCT.format(code="pp", rate=floating, extra=""))
    assert [c for c in codes(tmp_path) if c[1] == "suspicious-rate"] == [
        ("warning", "suspicious-rate", "p.yaml", 9)
    ]


def test_the_shipped_products_and_rules_have_no_pricing_problem() -> None:
    _, diagnostics = load_catalog([ROOT / "products", ROOT / "rules"])
    assert [d.format() for d in diagnostics if "pricing" in d.code or "rate" in d.code] == []


def test_read_pricing_refuses_both_with_a_located_field() -> None:
    with pytest.raises(InvalidInput) as info:
        read_pricing({"rate": D("0.05"), "spread": D("0.01")}, rule="x")
    assert info.value.field == "rules.pricing"
    assert read_pricing({"grade_spread": D("0.01")}).spread == D("0.01")
    assert read_pricing({}).applied_to(D("0.04")) == D("0.04")


def spec(rate: str) -> object:
    loaded, problems = load_product_text(PRODUCT.format(code="pp", rate=rate, extra=""))
    assert loaded is not None, [p.format() for p in problems]
    return loaded


def terms_for(product: ProductSpec, amount: Decimal, term: int, **choices: Any) -> LoanTerms:
    """The schedule engine's view of the product's contract terms (the one builder)."""
    return schedule_terms(contract_terms(product, amount, term, **choices))


def test_the_terms_builder_applies_a_rate_or_a_spread_within_floor_and_cap() -> None:
    product = spec('{type: fixed, annual: "4%", floor: "3%", cap: "9%"}')
    amount, day = D(10000), date(2025, 6, 1)

    def rate(decision: PricingDecision) -> Decimal:
        return terms_for(product, amount, 12, start=day, pricing=decision).annual_rate  # type: ignore[arg-type]

    assert rate(PricingDecision()) == D("0.04")
    assert rate(PricingDecision(spread=D("0.012"))) == D("0.052")
    assert rate(PricingDecision(rate=D("0.055"))) == D("0.055")
    assert rate(PricingDecision(rate=D("0"))) == D("0.03")  # an interest-free rule meets the floor
    assert rate(PricingDecision(spread=D("0.08"))) == D("0.09")  # held at the cap


def test_a_floating_loans_resets_move_by_the_pricing_adjustment() -> None:
    product = spec('{type: floating, tenor: 5y+, spread: "-45bp", repricing: january-first}')
    series = LprSeries.default()
    base = terms_for(product, D(10000), 12, start=date(2024, 7, 1), lpr=series)  # type: ignore[arg-type]
    priced = terms_for(
        product,  # type: ignore[arg-type]
        D(10000),
        12,
        start=date(2024, 7, 1),
        lpr=series,
        pricing=PricingDecision(spread=D("0.01")),
    )
    assert base.rate_changes
    assert priced.annual_rate == base.annual_rate + D("0.01")
    assert [c.annual for c in priced.rate_changes] == [c.annual + D("0.01") for c in base.rate_changes]

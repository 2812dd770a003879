"""The APR lint and its cap profiles (data with legal basis and dates)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from loanfactory.cli import cli
from loanfactory.compliance import (
    BUILTIN_PROFILES,
    candidate_amounts,
    lint,
    lint_product,
    load_profile,
    private_lending_cap,
    worst_case_apr,
)
from loanfactory.errors import NotFound, SpecError
from loanfactory.product import ProductCatalog
from loanfactory.rate_card import pricing_cases
from loanfactory.spec import ProductSpec, load_product_text

D = Decimal
PRODUCTS = Path(__file__).parents[2] / "products"
RULES = Path(__file__).parents[2] / "rules"

BASE = """
code: cash_loan
name: {{zh: 现金贷}}
effective: {{from: {effective}}}
channels: [app]
segments: [individual]
purposes: [consumer]
amount: {{min: 1000, max: 20000, step: 1000}}
term: {{allowed: [3, 6, 12]}}
rate: {{type: fixed, annual: "{rate}"}}
repayment: {{methods: [annuity, equal_principal]}}
penalty: {{uplift: "{uplift}"}}
fees: {fees}
compliance: {{profile: {profile}}}
"""


def product(
    rate: str = "10%",
    fees: str = "[]",
    profile: str = "bank",
    uplift: str = "50%",
    effective: str = "2025-07-01",
) -> ProductSpec:
    spec, problems = load_product_text(
        BASE.format(rate=rate, fees=fees, profile=profile, uplift=uplift, effective=effective)
    )
    assert spec is not None, [p.format() for p in problems]
    return spec


@pytest.mark.parametrize("name", BUILTIN_PROFILES)
def test_every_builtin_profile_loads_with_a_legal_basis(name: str) -> None:
    profile = load_profile(name)
    assert profile.id == name
    assert profile.caps
    for cap in profile.caps:
        assert cap.basis_zh
        assert cap.basis_en


def test_caps_by_date() -> None:
    assert load_profile("bank").limit_on(date(2025, 7, 1))[0] == D("0.24")
    assert load_profile("consumer-finance-new").limit_on(date(2025, 7, 1))[0] == D("0.20")
    assert load_profile("consumer-finance-new").limit_on(date(2024, 7, 1))[0] == D("0.24")
    assert load_profile("micro-loan").limit_on(date(2028, 1, 1))[0] == D("0.1200")
    assert private_lending_cap(date(2025, 5, 20)) == D("0.1200")
    assert private_lending_cap(date(2021, 6, 1)) == D("0.1540")
    with pytest.raises(NotFound):
        private_lending_cap(date(2019, 1, 1))


def test_unknown_profile_has_a_hint_and_bad_files_are_located(tmp_path: Path) -> None:
    with pytest.raises(NotFound) as caught:
        load_profile("banc")
    assert "did you mean 'bank'" in caught.value.message
    bad = tmp_path / "caps.yaml"
    bad.write_text("kind: cap-profile\ncaps:\n  - rate: 10%\n    from: 2025-01-01\n", encoding="utf-8")
    with pytest.raises(SpecError) as error:
        load_profile(bad)
    assert error.value.diagnostics[0].line == 3
    custom = tmp_path / "house.yaml"
    custom.write_text(
        'kind: cap-profile\nid: house\ncaps:\n  - rate: "15%"\n    from: 2020-01-01\n'
        "    basis: {zh: 本行内部定价上限}\n",
        encoding="utf-8",
    )
    assert load_profile(custom).limit_on(date(2025, 1, 1))[0] == D("0.15")


def test_worst_case_is_at_the_smallest_amount_and_shortest_term_with_a_fixed_fee() -> None:
    spec = product(fees="[{id: service, kind: service, timing: upfront, amount: 100}]")
    worst = worst_case_apr(spec)
    assert (worst.amount, worst.term) == (D(1000), 3)
    assert worst.apr > D("0.5")
    assert D(1000) in candidate_amounts(spec)


def test_a_clean_product_passes_and_an_expensive_one_fails_with_the_basis() -> None:
    assert lint_product(product(), load_profile("bank")) == []
    problems = lint_product(product(rate="25%"), load_profile("bank"))
    assert [p.code for p in problems] == ["apr-above-cap", "overdue-cost-above-cap"]
    assert problems[0].path == "rate"
    assert "法发〔2017〕22号" in (problems[0].message_zh or "")


def test_fees_push_the_apr_over_the_cap() -> None:
    spec = product(rate="18%", fees="[{id: svc, kind: service, timing: per-installment, percent: '0.5%'}]")
    problems = lint_product(spec, load_profile("consumer-finance-new"))
    assert problems[0].code == "apr-above-cap"
    assert problems[0].path == "fees"


def test_penalty_shares_the_private_lending_cap() -> None:
    spec = product(rate="9%", uplift="50%", profile="private-lending")
    problems = lint_product(spec, load_profile("private-lending"))
    assert [p.code for p in problems] == ["overdue-cost-above-cap"]  # 9 % x 1.5 = 13.5 % > 4 x 3.00 %


def test_cli_lint_formats_and_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = tmp_path / "ok"
    ok.mkdir()
    (ok / "p.yaml").write_text(
        BASE.format(rate="10%", fees="[]", profile="bank", uplift="50%", effective="2025-07-01"),
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["lint", str(ok)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["lint", str(ok), "--profile", "private-lending", "--format", "json"])
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["products"] == 1
    assert body["errors"][0]["code"] == "overdue-cost-above-cap"
    for fmt in ("github", "junit", "sarif", "text"):
        assert (
            runner.invoke(cli, ["lint", str(ok), "--profile", "private-lending", "--format", fmt]).exit_code
            == 1
        )
    bad = runner.invoke(cli, ["lint", str(ok), "--profile", "nope"])
    assert bad.exit_code == 2
    assert len(bad.stderr.strip().splitlines()) == 1
    assert runner.invoke(cli, ["lint", str(tmp_path / "missing")]).exit_code == 2


def test_shipped_products_lint_against_their_own_profiles() -> None:
    result = CliRunner().invoke(cli, ["lint", str(PRODUCTS), str(RULES), "--format", "json"])
    body = json.loads(result.stdout)
    assert body["products"] >= 8
    assert body["errors"] == []
    assert result.exit_code == 0
    worst = {w["product"]: w for w in body["worst_cases"]}
    assert set(worst) == {n["message"].split(":")[0] for n in body["notes"]}
    # consumer_credit: 36-month band 4.5 % + grade E's 6 % spread, no fees: APR = 10.50 %
    assert worst["consumer_credit"]["apr"] == "0.1050"
    assert "grade E" in worst["consumer_credit"]["path"]
    # the mortgage has no pricing rules: LPR 5y+ 3.50 % - 0.45 % on its start date
    assert worst["home_mortgage"]["apr"] == "0.0305"


def test_without_the_rule_files_a_product_with_pricing_rules_cannot_be_bounded() -> None:
    result = CliRunner().invoke(cli, ["lint", str(PRODUCTS), "--format", "json"])
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert {e["code"] for e in body["errors"]} == {"no-pricing-rules"}
    assert "home_mortgage" in {w["product"] for w in body["worst_cases"]}


def _with(tmp_path: Path, name: str, replace: dict[str, str]) -> Path:
    """A copy of the sample products with ``name`` changed, and the sample rules."""
    folder = tmp_path / "products"
    shutil.copytree(PRODUCTS, folder)
    path = folder / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return folder


def test_an_apr_limit_below_the_grade_prices_fails_lint(tmp_path: Path) -> None:
    """apr_limit 8 % while grades D and E price at 8.5 % and 10.5 % (36 months: 4.5 % + 4 % / 6 %)."""
    folder = _with(tmp_path, "consumer_credit", {'apr_limit: "18%"': 'apr_limit: "8%"'})
    catalog = ProductCatalog.load([folder, RULES])
    product = catalog.product("consumer_credit")
    result = lint(product, load_profile("bank"))
    assert [d.code for d in result.diagnostics if d.severity == "error"] == ["apr-above-limit"]
    assert result.worst is not None
    assert result.worst.apr.quantize(D("0.0001")) == D("0.045") + D("0.06")
    assert result.worst.term == 36
    assert "grade E" in result.worst.path
    assert "spread +6%" in result.worst.path
    grades = {c.grade: c.rate for c in pricing_cases(product, day=date(2025, 7, 1)) if c.term == 36}
    assert grades["D"] == D("0.045") + D("0.04")
    out = CliRunner().invoke(cli, ["lint", str(folder), str(RULES)])
    assert out.exit_code == 1
    assert "error[apr-above-limit] compliance.apr_limit" in out.stdout
    assert "note[worst-case-apr]" in out.stdout
    assert out.stdout.count("note[worst-case-apr]") == 8  # every product, passing or not


def test_a_spread_under_other_conditions_is_part_of_the_worst_case(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "kind: rules\ndefinitions:\n  - id: age_pricing\n    purpose: pricing\n    rules:\n"
        "      - {id: older, when: applicant.age > 55, then: {set: {spread: 9%}}}\n"
        "      - {id: rest, when: not (applicant.age > 55), then: {set: {spread: 1%}}}\n",
        encoding="utf-8",
    )
    text = BASE.format(rate="10%", fees="[]", profile="bank", uplift="50%", effective="2025-07-01")
    (tmp_path / "p.yaml").write_text(text + "rules: {pricing: age_pricing}\n", encoding="utf-8")
    catalog = ProductCatalog.load([tmp_path])
    worst = worst_case_apr(catalog.product("cash_loan"))
    assert worst.nominal_rate == D("0.19")  # 10 % + the 9 % spread met only by applicants over 55
    assert "other conditions" in worst.path


def test_overdue_cost_counts_compound_interest() -> None:
    """A year overdue at 10 % with uplift 50 %: penalty 15 % on principal, plus compound interest at
    15 % on a year's unpaid 10 % interest = 1.5 %: 16.5 % a year (no fees)."""
    worst = worst_case_apr(product(rate="10%"))
    # (the APR of a fee-free loan equals its rate to 0.01 %: nothing else is in the cost)
    assert worst.overdue_cost.quantize(D("0.0001")) == D("0.15") + D("0.10") * D("0.15")
    plain = load_product_text(
        BASE.format(rate="10%", fees="[]", profile="bank", uplift="50%", effective="2025-07-01").replace(
            'penalty: {uplift: "50%"}', 'penalty: {uplift: "50%", compound: false}'
        )
    )[0]
    assert plain is not None
    uncompounded = worst_case_apr(plain)
    assert uncompounded.overdue_cost.quantize(D("0.0001")) == D("0.1500")


def test_lint_notes_travel_in_every_format(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        BASE.format(rate="10%", fees="[]", profile="bank", uplift="50%", effective="2025-07-01"),
        encoding="utf-8",
    )
    runner = CliRunner()
    sarif = json.loads(runner.invoke(cli, ["lint", str(tmp_path), "--format", "sarif"]).stdout)
    (note,) = sarif["runs"][0]["results"]
    assert note["level"] == "note"
    assert "worst-case APR 10%" in note["message"]["text"]
    github = runner.invoke(cli, ["lint", str(tmp_path), "--format", "github"]).stdout
    assert github.startswith("::notice ")
    zh = runner.invoke(cli, ["--lang", "zh", "lint", str(tmp_path)])
    assert zh.exit_code == 0
    assert "最高年化利率 10%" in zh.stdout


def test_the_lint_line_in_the_guide_is_what_lint_prints() -> None:
    guide = (Path(__file__).parents[2] / "docs" / "apr-and-caps.md").read_text(encoding="utf-8")
    line = next(x for x in guide.splitlines() if x.startswith("products/consumer_credit.yaml:"))
    result = CliRunner().invoke(cli, ["--lang", "zh", "lint", str(PRODUCTS), str(RULES)])
    printed = [x.replace(str(PRODUCTS.parent) + "/", "") for x in result.stdout.splitlines()]
    assert line in printed

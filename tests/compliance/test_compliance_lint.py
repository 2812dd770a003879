"""The APR lint and its cap profiles (data with legal basis and dates)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from loanfactory.cli import cli
from loanfactory.compliance import (
    BUILTIN_PROFILES,
    candidate_amounts,
    lint_product,
    load_profile,
    private_lending_cap,
    worst_case_apr,
)
from loanfactory.errors import NotFound, SpecError
from loanfactory.spec import ProductSpec, load_product_text

D = Decimal
PRODUCTS = Path(__file__).parents[2] / "products"

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
    result = CliRunner().invoke(cli, ["lint", str(PRODUCTS), "--format", "json"])
    body = json.loads(result.stdout)
    assert body["products"] >= 8
    assert body["errors"] == []
    assert result.exit_code == 0

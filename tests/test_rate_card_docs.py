"""Each sample product's effective pricing is what docs/products.md says, cell by cell; and
``loanfactory explain`` shows the flow, where each step comes from, and the rate card."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from loanfactory.cli import cli
from loanfactory.lpr import LprSeries
from loanfactory.product import ProductCatalog, product_facts
from loanfactory.rate_card import candidate_amounts, pricing_cases, reachable_grades

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2025, 7, 15)
GRADES = ("A", "B", "C", "D", "E")
_ROW = re.compile(r"^\| ([a-z_]+) \| (\d+)(?:–(\d+))? \| ([\d.]+)% \|((?: [\d.]+% \|){5})$", re.MULTILINE)


def documented() -> list[tuple[str, int, int, Decimal, tuple[Decimal, ...]]]:
    text = (ROOT / "docs" / "products.md").read_text(encoding="utf-8")
    rows = []
    for m in _ROW.finditer(text):
        rates = tuple(Decimal(x.strip().rstrip("%")) / 100 for x in m[5].strip(" |").split("|"))
        rows.append((m[1], int(m[2]), int(m[3] or m[2]), Decimal(m[4]) / 100, rates))
    return rows


@pytest.fixture(scope="module")
def catalog() -> ProductCatalog:
    return ProductCatalog.load([ROOT / "products", ROOT / "rules"])


def test_the_documented_table_covers_every_sample_product_and_term(catalog: ProductCatalog) -> None:
    rows = documented()
    assert {code for code, *_ in rows} == {p.code for p in catalog}
    for product in catalog:
        covered = {t for code, lo, hi, *_ in rows if code == product.code for t in range(lo, hi + 1)}
        assert set(product.spec.term.values()) <= covered, product.code


@pytest.mark.parametrize("row", documented(), ids=lambda r: f"{r[0]}-{r[1]}")
def test_each_sample_products_effective_pricing_matches_its_documentation(
    catalog: ProductCatalog, row: tuple[str, int, int, Decimal, tuple[Decimal, ...]]
) -> None:
    code, low, high, base, rates = row
    product = catalog.product(code)
    cases = pricing_cases(product, day=DAY)
    terms = [t for t in product.spec.term.values() if low <= t <= high]
    assert terms
    priced = product.compiled("pricing") is not None
    for term in terms:
        for amount in candidate_amounts(product.spec):
            facts = product_facts(product.spec, term, amount, LprSeries.default(), DAY)
            assert facts.base_rate == base, (code, term, amount)
        for grade, documented_rate in zip(GRADES, rates, strict=True):
            found = {c.rate for c in cases if c.term == term and (c.grade == grade or not priced)}
            assert found == {documented_rate}, (code, term, grade)
    if priced:
        assert [g for g, _ in reachable_grades(product)] == list(GRADES)


def test_explain_shows_the_flow_its_files_and_the_rate_card() -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["explain", "salary_loan", str(ROOT / "products"), str(ROOT / "rules"), "--on", "2025-07-15"]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "pricing     lpr_grade_pricing       rules/pricing.yaml:7" in out.replace(str(ROOT) + "/", "")
    assert "products/salary_loan.yaml:34)" in out  # the product names its pricing itself
    assert "retail_base.yaml:21, inherited)" in out  # eligibility comes from the template
    assert "3.95%   4.65%   5.95%   7.45%   9.45%" in out
    body = json.loads(
        runner.invoke(
            cli, ["explain", "home_mortgage", str(ROOT / "products"), str(ROOT / "rules"), "--format", "json"]
        ).stdout
    )
    assert body["grades"] == []
    assert {c["rate"] for c in body["cases"]} == {"0.0305"}
    assert [s["purpose"] for s in body["steps"]][:4] == ["eligibility", "pre_review", "scoring", "routing"]
    assert "pricing" not in [s["purpose"] for s in body["steps"]]


def test_explain_usage_errors_are_one_line() -> None:
    runner = CliRunner()
    unknown = runner.invoke(cli, ["explain", "consumer_credt", str(ROOT / "products"), str(ROOT / "rules")])
    assert unknown.exit_code == 2
    assert "did you mean 'consumer_credit'" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    missing = runner.invoke(cli, ["explain", "x", str(ROOT / "nowhere")])
    assert missing.exit_code == 2
    bad_day = runner.invoke(cli, ["explain", "x", str(ROOT / "products"), "--on", "15/07/2025"])
    assert bad_day.exit_code == 2


def test_explain_refuses_files_with_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("code: bad\nrate: {type: fixed, annual: 4.9}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", "bad", str(tmp_path)])
    assert result.exit_code == 1
    assert "bad.yaml" in result.stderr

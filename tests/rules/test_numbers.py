"""Non-finite and huge numbers are located errors in YAML files and rule expressions (never an
internal error), and the durable engine decides Decimals exactly like the compiled engine —
at thresholds, just above them and in exponent form."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from loanfactory.cli import cli
from loanfactory.document import load_document
from loanfactory.facts import Applicant, Facts
from loanfactory.rules import compile_definition

from .conftest import ROOT, errors, load_text

HOSTILE = [".nan", ".NaN", ".inf", "-.inf", "+.inf", "1e999999999", "-1e999999999", "1e-999999999", "1" * 101]


@pytest.mark.parametrize("literal", HOSTILE)
def test_yaml_numbers_that_cannot_be_used_are_located(literal: str) -> None:
    document, problems = load_document(f"a: 1\nrate: {literal}\n", file="x.yaml")
    assert document is None
    (problem,) = problems
    assert (problem.code, problem.line, problem.column) == ("bad-number", 2, 7)
    assert literal in problem.message
    assert problem.message_zh


@pytest.mark.parametrize(
    "literal", ["0.049", "1E-7", "999999999999999999", "-3.5e2", "1234567890.1234567890"]
)
def test_ordinary_numbers_still_read(literal: str) -> None:
    document, problems = load_document(f"rate: {literal}\n", file="x.yaml")
    assert document is not None
    assert not problems
    assert document.data["rate"] == Decimal(literal)  # its range is the reader's to check


@pytest.mark.parametrize("literal", HOSTILE)
def test_cli_validate_reports_a_product_rate_and_exits_1(literal: str, tmp_path: Path) -> None:
    text = (ROOT / "products" / "consumer_credit.yaml").read_text(encoding="utf-8")
    (tmp_path / "p.yaml").write_text(
        text.replace('annual: "4.2%"', f"annual: {literal}", 1), encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "bad-number" in result.stdout
    assert ":29:" in result.stdout  # the line of the rate


@pytest.mark.parametrize("literal", ["1e999999999", "9" * 40, "1e-999999999 * 2", "10 ** 100"])
def test_huge_numbers_in_rules_are_located(literal: str) -> None:
    text = (
        "kind: rules\ndefinitions:\n  - id: d\n    purpose: eligibility\n    rules:\n"
        f"      - {{id: r, when: 'applicant.age > {literal}', then: {{reject: X}}}}\n"
    )
    library, problems = load_text(text)
    assert library is None
    found = errors(problems)
    assert found, [p.format() for p in problems]
    assert found[0].line == 6
    assert found[0].code.startswith("expr-")


def test_huge_number_as_a_table_cell_or_output_is_located() -> None:
    text = (
        "kind: rules\ndefinitions:\n  - id: t\n    purpose: limit\n    hit_policy: FIRST\n"
        "    inputs: [applicant.age]\n    outputs: [limit]\n    rows:\n      - ['-', 1e999999999]\n"
    )
    document, problems = load_document(text, file="t.yaml")
    assert document is None
    assert (problems[0].code, problems[0].line) == ("bad-number", 9)
    for row in ("[1e40, 1]", "['-', 1e40]", "['-', 0.1234567890123456789012345678901]"):
        library, found = load_text(text.replace("['-', 1e999999999]", row))
        assert library is None
        assert [(p.code, p.line) for p in errors(found)] == [("expr-too-large", 9)], row


THRESHOLDS = """kind: rules
vars: {cut: number}
definitions:
  - id: edges
    purpose: eligibility
    rules:
      - {id: dti, when: "applicant.debt_to_income > 0.55", then: {reject: DTI}}
      - {id: dti_eq, when: "applicant.debt_to_income == 0.55", then: {tag: at_limit}}
      - {id: tiny, when: "applicant.debt_to_income >= 1E-7", then: {tag: positive}}
      - {id: band, when: "0.3 < applicant.debt_to_income <= 0.4", then: {tag: band}}
      - {id: var, when: "vars.cut > 0.1000000000000000001", then: {tag: var_above}}
      - {id: neg, when: "not (applicant.debt_to_income <= 0.55)", then: {tag: not_below}}
"""


@pytest.mark.parametrize(
    "value",
    [
        "0.55",
        "0.55000000000000001",
        "0.54999999999999999",
        "5.5E-1",
        "55E-2",
        "1E-7",
        "0.99999999E-7",
        "0.1E-6",
        "0",
        "0.3",
        "0.30000000000000001",
        "0.4",
        "0.40000000000000001",
        "4E-1",
    ],
)
def test_durable_decides_decimals_exactly_like_compiled(value: str) -> None:
    library, problems = load_text(THRESHOLDS)
    assert library is not None, problems
    compiled = compile_definition(library.get("edges"))
    durable = compile_definition(library.get("edges"), engine="durable")
    cut = Decimal("0.1000000000000000001") + (Decimal(value) - Decimal("0.3"))
    facts = Facts(
        as_of=date(2025, 1, 1), applicant=Applicant(debt_to_income=Decimal(value)), vars={"cut": cut}
    )
    want = compiled.evaluate(facts, trace=True)
    assert durable.evaluate(facts, trace=True) == want
    d = Decimal(value)
    assert ("dti" in want.fired) == (d > Decimal("0.55"))
    assert ("dti_eq" in want.fired) == (d == Decimal("0.55"))
    assert ("tiny" in want.fired) == (d >= Decimal("1E-7"))
    assert ("band" in want.fired) == (Decimal("0.3") < d <= Decimal("0.4"))
    assert ("var" in want.fired) == (cut > Decimal("0.1000000000000000001"))

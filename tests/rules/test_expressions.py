"""The expression language: literals, typing, did-you-mean and missing-value semantics."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loanfactory.facts import Applicant, ApplicationFacts, BureauReport, CollateralFacts, Facts
from loanfactory.rules import compile_definition
from loanfactory.rules._context import WELL_KNOWN_VARS, fact_roots
from loanfactory.rules._expr import Scope, parse_expression

from .conftest import load_text


def parse(text: str, condition: bool = False):  # type: ignore[no-untyped-def]
    return parse_expression(text, Scope(fact_roots(), dict(WELL_KNOWN_VARS)), condition=condition)


def test_percent_and_decimal_literals_are_exact() -> None:
    node, errors = parse("3.45% + 0.1")
    assert not errors
    assert node.value == Decimal("0.1345")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "code", "hint"),
    [
        ("applicant.aeg > 18", "unknown-field", "did you mean 'age'?"),
        ("bureau.credit_scor >= 600", "unknown-field", "did you mean 'credit_score'?"),
        ('applicant.kind == "enterprize"', "unknown-choice", "did you mean 'enterprise'?"),
        ("aplicant.age > 1", "expr-unknown-name", "did you mean 'applicant'?"),
        ("vars.grdae == 'A'", "expr-unknown-var", "did you mean 'grade'?"),
        ("mni(1, 2) > 0", "expr-unknown-function", "did you mean 'min'?"),
    ],
)
def test_typos_get_did_you_mean(text: str, code: str, hint: str) -> None:
    node, errors = parse(text)
    assert node is None
    assert errors[0].code == code
    assert errors[0].hint == hint


@pytest.mark.parametrize(
    "text",
    [
        'applicant.age > "18"',
        "applicant.region + 1",
        "applicant.age and True",
        "collateral > 1",
        "applicant.age in 5",
        "as_of > 3",
    ],
)
def test_type_errors(text: str) -> None:
    node, errors = parse(text)
    assert node is None
    assert errors[0].code == "expr-type"


def test_condition_must_be_boolean() -> None:
    node, errors = parse("applicant.age + 1", condition=True)
    assert node is None
    assert errors[0].code == "expr-not-condition"


RULES = """
kind: rules
definitions:
  - id: t
    purpose: eligibility
    rules:
      - {id: old, when: "not (18 <= applicant.age <= 60)", then: {reject: OLD}}
      - {id: ne, when: 'applicant.region != "BJ"', then: {reason: NE}}
      - {id: none, when: "applicant.age is None", then: {reason: MISSING}}
      - {id: arith, when: "applicant.monthly_income * 12 / 0 > 1", then: {reason: DIV0}}
      - {id: coll, when: "sum(c.value for c in collateral if c.first_lien) >= 1000000", then: {tag: rich}}
      - id: dates
        when: "age_on(applicant.birth_date, as_of) >= 30 and months_between(date('2020-01-15'), as_of) == 64"
        then: {tag: dated}
      - id: values
        when: true
        then:
          set:
            m: "min(application.amount, 2 * applicant.monthly_income)"
            r: "round(10 / 3, 2)"
            c: "coalesce(applicant.monthly_income, 0)"
"""


@pytest.mark.parametrize("engine", ["compiled", "durable"])
def test_missing_values_semantics(engine: str) -> None:
    lib, problems = load_text(RULES)
    assert lib is not None, problems
    run = compile_definition(lib.get("t"), engine=engine)  # type: ignore[arg-type]
    empty = run.evaluate(Facts(as_of=date(2025, 6, 1)))
    # the range test reads a missing age: false, so "not" of it is true; "!=" on missing is false
    assert empty.reason_codes == ("OLD", "MISSING")
    assert empty.values == {"m": None, "r": Decimal("3.33"), "c": 0}
    full = run.evaluate(
        Facts(
            as_of=date(2025, 6, 1),
            applicant=Applicant(
                age=30, region="SH", monthly_income=Decimal(5000), birth_date=date(1990, 1, 1)
            ),
            application=ApplicationFacts(amount=Decimal(8000), term=12),
            collateral=(
                CollateralFacts(type="deposit", value=Decimal(600000)),
                CollateralFacts(type="shares", value=Decimal(500000)),
            ),
        )
    )
    assert full.reason_codes == ("NE",)
    assert full.tags == ("rich", "dated")
    assert full.values["m"] == Decimal(8000)


def test_trace_lists_every_rule_and_values_read() -> None:
    lib, _ = load_text(RULES)
    assert lib is not None
    decision = compile_definition(lib.get("t")).evaluate(
        Facts(as_of=date(2025, 6, 1), applicant=Applicant(age=70), bureau=BureauReport(credit_score=700)),
        trace=True,
    )
    assert decision.trace is not None
    first = decision.trace[0]
    assert (first.rule, first.matched, dict(first.reads)) == ("old", True, {"applicant.age": 70})
    assert [t.rule for t in decision.trace] == ["old", "ne", "none", "arith", "coll", "dates", "values"]
    assert decision.to_json()["trace"][0] == {"rule": "old", "matched": True, "reads": {"applicant.age": 70}}

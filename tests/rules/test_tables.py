"""Hit policies, on both engines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loanfactory.facts import Applicant, Facts
from loanfactory.rules import RuleEvaluationError, compile_definition

from .conftest import load_text

TABLES = """kind: rules
definitions:
  - id: collect_sum
    purpose: scoring
    hit_policy: COLLECT SUM
    inputs: [applicant.age, applicant.region]
    outputs: [points]
    rows:
      - ["< 30", "-", 10]
      - ["-", "BJ, SH", 5]
      - ["not([18..25])", '"GD"', 7]
  - id: collect_list
    purpose: tags
    hit_policy: RULE ORDER
    inputs: [applicant.age]
    outputs: [labels]
    rows:
      - ["< 30", young]
      - ["< 40", under_forty]
      - ["-", anyone]
  - id: priority
    purpose: routing
    hit_policy: PRIORITY
    inputs: [applicant.age, applicant.monthly_income]
    outputs: [{name: outcome, priority: [reject, manual_review, approve]}, reason]
    rows:
      - ["-", ">= 5000", approve, ~]
      - ["> 55", "-", manual_review, OLD]
      - ["< 18", "-", reject, YOUNG]
  - id: anyp
    purpose: scoring
    hit_policy: ANY
    vars: {cut: int}
    inputs: [applicant.age]
    outputs: [band]
    rows:
      - ["< 30", low]
      - ["< 20", low]
      - ["> vars.cut", high]
"""


@pytest.fixture(scope="module")
def lib():  # type: ignore[no-untyped-def]
    library, problems = load_text(TABLES)
    assert library is not None, [p.format() for p in problems]
    return library


def facts(age: int | None, region: str | None = None, income: int | None = None) -> Facts:
    return Facts(
        as_of=date(2025, 1, 1),
        vars={"cut": 25},
        applicant=Applicant(
            age=age, region=region, monthly_income=Decimal(income) if income is not None else None
        ),
    )


@pytest.mark.parametrize("engine", ["compiled", "durable"])
def test_hit_policies(lib, engine: str) -> None:  # type: ignore[no-untyped-def]
    def run(ident: str, f: Facts):  # type: ignore[no-untyped-def]
        return compile_definition(lib.get(ident), engine=engine).evaluate(f)  # type: ignore[arg-type]

    assert run("collect_sum", facts(20, "SH")).values == {"points": 15}
    assert run("collect_sum", facts(40, "GD")).values == {"points": 7}
    assert run("collect_list", facts(35)).values == {"labels": ["under_forty", "anyone"]}
    d = run("priority", facts(16, income=9000))
    assert (d.outcome.value, d.reason_codes, d.fired) == ("reject", ("YOUNG",), ("r3",))
    assert run("priority", facts(60, income=9000)).outcome.value == "manual_review"
    assert run("anyp", facts(15)).values == {"band": "low"}
    with pytest.raises(RuleEvaluationError):
        run("anyp", facts(28))

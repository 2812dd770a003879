"""Hit policies, on both engines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loanfactory.facts import Applicant, BureauReport, Facts
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


DEFAULTS = """kind: rules
definitions:
  - id: c_list
    purpose: tags
    hit_policy: COLLECT
    inputs: [applicant.age]
    outputs: [{name: labels, default: nobody}]
    rows: [["< 18", minor], ["< 30", young]]
  - id: c_list_plain
    purpose: tags
    hit_policy: COLLECT
    inputs: [applicant.age]
    outputs: [labels]
    rows: [["< 18", minor]]
  - id: c_sum
    purpose: scoring
    hit_policy: COLLECT SUM
    inputs: [applicant.age]
    outputs: [{name: points, default: 0}]
    rows: [["< 18", 10], ["< 30", 5]]
  - id: c_sum_plain
    purpose: scoring
    hit_policy: COLLECT SUM
    inputs: [applicant.age]
    outputs: [points]
    rows: [["< 18", 10]]
  - id: c_min
    purpose: limit
    hit_policy: COLLECT
    aggregation: MIN
    inputs: [applicant.age]
    outputs: [{name: cap, default: 500000}]
    rows: [["< 30", 100000], ["< 25", 50000]]
  - id: c_max
    purpose: limit
    hit_policy: COLLECT MAX
    inputs: [applicant.age]
    outputs: [{name: cap, default: 1}]
    rows: [["< 30", 100000], ["< 25", 50000]]
  - id: c_count
    purpose: scoring
    hit_policy: COLLECT COUNT
    inputs: [applicant.age]
    outputs: [{name: hits, default: 99}]
    rows: [["< 30", x], ["< 25", y]]
  - id: c_count_plain
    purpose: scoring
    hit_policy: COLLECT COUNT
    inputs: [applicant.age]
    outputs: [hits]
    rows: [["< 30", x]]
  - id: r_order
    purpose: tags
    hit_policy: RULE ORDER
    inputs: [applicant.age]
    outputs: [{name: labels, default: none}, {name: outcome, default: manual_review}]
    rows: [["< 30", young, ~], ["< 25", very_young, ~]]
  - id: o_order
    purpose: routing
    hit_policy: OUTPUT ORDER
    inputs: [applicant.age]
    outputs: [{name: level, priority: [high, mid, low]}]
    rows: [["> 20", low], ["> 40", high], ["> 30", mid]]
  - id: rows_as_records
    purpose: pricing
    hit_policy: RULE ORDER
    result: offers
    inputs: [applicant.age]
    outputs: [product, {name: rate, default: 6%}]
    rows: [["< 30", youth, 4%], ["-", standard, 5%]]
  - id: one_record
    purpose: pricing
    hit_policy: FIRST
    result: offer
    inputs: [applicant.age]
    outputs: [{name: product, default: none}, {name: rate, default: 6%}]
    rows: [["< 30", youth, 4%]]
"""


@pytest.fixture(scope="module")
def defaults_lib():  # type: ignore[no-untyped-def]
    library, problems = load_text(DEFAULTS)
    assert library is not None, [p.format() for p in problems]
    return library


@pytest.mark.parametrize("engine", ["compiled", "durable"])
def test_default_applies_on_every_hit_policy(defaults_lib, engine: str) -> None:  # type: ignore[no-untyped-def]
    def run(ident: str, age: int | None):  # type: ignore[no-untyped-def]
        table = compile_definition(defaults_lib.get(ident), engine=engine)  # type: ignore[arg-type]
        return table.evaluate(facts(age))

    # no row matches (age 50): each output takes its default, a list output as a one-item list
    assert run("c_list", 50).values == {"labels": ["nobody"]}
    assert run("c_sum", 50).values == {"points": 0}
    assert run("c_min", 50).values == {"cap": 500000}
    assert run("c_max", 50).values == {"cap": 1}
    assert run("c_count", 50).values == {"hits": 99}
    d = run("r_order", 50)
    assert (d.values, d.outcome.value, d.fired) == ({"labels": ["none"]}, "manual_review", ())
    # without a default: [] for a list, 0 for COUNT, missing for SUM/MIN/MAX (FEEL sum([]) = null)
    assert run("c_list_plain", 50).values == {"labels": []}
    assert run("c_sum_plain", 50).values == {"points": None}
    assert run("c_count_plain", 50).values == {"hits": 0}
    # rows that match win over the default
    assert run("c_list", 20).values == {"labels": ["young"]}
    assert run("c_sum", 15).values == {"points": 15}
    assert run("c_min", 20).values == {"cap": 50000}
    assert run("c_max", 20).values == {"cap": 100000}
    assert run("c_count", 20).values == {"hits": 2}
    d = run("r_order", 20)
    assert (d.values, d.outcome.value, d.fired) == ({"labels": ["young", "very_young"]}, "pass", ("r1", "r2"))
    # a missing age matches no row either
    assert run("c_sum", None).values == {"points": 0}


@pytest.mark.parametrize("engine", ["compiled", "durable"])
def test_output_order_and_records(defaults_lib, engine: str) -> None:  # type: ignore[no-untyped-def]
    def run(ident: str, age: int | None):  # type: ignore[no-untyped-def]
        return compile_definition(defaults_lib.get(ident), engine=engine).evaluate(facts(age))  # type: ignore[arg-type]

    d = run("o_order", 45)
    assert d.values == {"level": ["high", "mid", "low"]}
    assert d.fired == ("r2", "r3", "r1")
    assert run("rows_as_records", 20).values == {
        "offers": [
            {"product": "youth", "rate": Decimal("0.04")},
            {"product": "standard", "rate": Decimal("0.05")},
        ]
    }
    assert run("one_record", 20).values == {"offer": {"product": "youth", "rate": Decimal("0.04")}}
    assert run("one_record", 40).values == {"offer": {"product": "none", "rate": Decimal("0.06")}}


IGNORED = [
    ("hit_policy: FIRST", "outputs: [{name: x, priority: [a, b]}]", "ignored-key"),
    ("hit_policy: RULE ORDER", "aggregation: SUM\n    outputs: [x]", "bad-aggregation"),
    ("hit_policy: OUTPUT ORDER", "outputs: [x]", "missing-priority"),
    ("hit_policy: COLLECT SUM", "result: r\n    outputs: [x]", "bad-aggregation"),
]


@pytest.mark.parametrize(("policy", "extra", "code"), IGNORED)
def test_parts_that_would_be_ignored_are_errors(policy: str, extra: str, code: str) -> None:
    text = (
        "kind: rules\ndefinitions:\n  - id: t\n    purpose: tags\n"
        f"    {policy}\n    inputs: [applicant.age]\n    {extra}\n    rows: [['-', a]]\n"
    )
    library, problems = load_text(text)
    assert library is None
    assert code in {p.code for p in problems if p.severity == "error"}, [p.format() for p in problems]


def test_unknown_output_in_a_row_is_an_error_with_did_you_mean() -> None:
    text = """kind: rules
definitions:
  - id: t
    purpose: pricing
    hit_policy: FIRST
    inputs: [applicant.age]
    outputs: [spread]
    rows:
      - {when: ["-"], then: {sprad: 1%}}
"""
    library, problems = load_text(text)
    assert library is None
    (problem,) = [p for p in problems if p.severity == "error"]
    assert (problem.code, problem.line) == ("unknown-key", 9)
    assert problem.hint
    assert "spread" in problem.hint


ALLOWED = """kind: rules
definitions:
  - id: t
    purpose: routing
    hit_policy: UNIQUE
    inputs:
      - {expr: applicant.segment, allowed: [salaried, self_employed, sme]}
      - {expr: bureau.credit_score, allowed: "[300..900]"}
    outputs: [route]
    rows:
      - [salaried, ">= 600", fast]
      - ["self_employed, sme", ">= 600", normal]
      - ["-", "< 600", slow]
"""


@pytest.mark.parametrize("engine", ["compiled", "durable"])
def test_allowed_values(engine: str) -> None:
    library, problems = load_text(ALLOWED)
    assert library is not None, [p.format() for p in problems]
    assert not [p for p in problems if p.code == "table-gap"]  # every allowed case is covered
    table = compile_definition(library.get("t"), engine=engine)  # type: ignore[arg-type]
    f = Facts(
        as_of=date(2025, 1, 1), applicant=Applicant(segment="sme"), bureau=BureauReport(credit_score=700)
    )
    assert table.evaluate(f).values == {"route": "normal"}
    with pytest.raises(RuleEvaluationError) as caught:
        table.evaluate(f.model_copy(update={"applicant": Applicant(segment="student")}))
    assert caught.value.code == "input-not-allowed"
    with pytest.raises(RuleEvaluationError):
        table.evaluate(f.model_copy(update={"bureau": BureauReport(credit_score=950)}))


def test_cells_outside_the_allowed_values_are_located() -> None:
    library, problems = load_text(ALLOWED.replace('"self_employed, sme"', '"self_employd, sme"'))
    assert library is None
    (problem,) = [p for p in problems if p.severity == "error"]
    assert problem.code == "unknown-choice"
    assert problem.line == 12
    assert problem.hint
    assert "self_employed" in problem.hint
    gaps = load_text(ALLOWED.replace('      - ["-", "< 600", slow]\n', ""))[1]
    (gap,) = [p for p in gaps if p.code == "table-gap"]
    assert "bureau.credit_score = 300" in gap.message  # the range starts at the allowed minimum

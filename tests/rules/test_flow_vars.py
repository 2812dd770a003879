"""A flow's own ``vars:`` (initial values or declared types) and inline steps reading earlier ones."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from loanfactory.document import Document
from loanfactory.facts import ApplicationFacts, Facts
from loanfactory.rules import Flow, compile_definition, parse_definition

from .conftest import errors, load_text

ENGINES = ("compiled", "durable")
D = Decimal

FLOW = """
kind: rules
definitions:
  - id: capped_price
    purpose: pricing
    vars:
      cap_multiple: 4
      reference: lpr("1y", as_of)
      label: '"standard"'
      floor_rate: decimal
    steps:
      - id: base
        purpose: pricing
        rules:
          - id: start
            when: true
            then: {set: {candidate: vars.reference + 1.5%}}
      - id: bound
        purpose: pricing
        rules:
          - id: capped
            when: vars.cap_multiple >= 1
            then:
              set:
                rate: >-
                  max(min(vars.candidate, vars.cap_multiple * vars.reference),
                  coalesce(vars.floor_rate, 0))
          - id: tagged
            when: vars.label == "standard" and application.amount > 100000
            then: {tag: large}
"""


def facts(**vars: object) -> Facts:
    return Facts(
        as_of=date(2025, 6, 1), application=ApplicationFacts(amount=D(200000), term=12), vars=dict(vars)
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_flow_vars_are_initial_values_and_steps_read_earlier_steps(engine: str) -> None:
    library, problems = load_text(FLOW)
    assert library is not None, [d.format() for d in problems]
    compiled = compile_definition(library.get("capped_price"), engine=engine)  # type: ignore[arg-type]
    decision = compiled.evaluate(facts())
    # LPR 1y on 2025-06-01 is 3.00 %: candidate 4.50 %, the cap 4 x 3.00 % = 12 % does not bind
    assert decision.values["reference"] == D("0.0300")
    assert decision.values["cap_multiple"] == 4
    assert decision.values["candidate"] == D("0.0450")
    assert decision.values["rate"] == D("0.0450")
    assert decision.tags == ("large",)
    assert decision.fired == ("base/start", "bound/capped", "bound/tagged")


@pytest.mark.parametrize("engine", ENGINES)
def test_facts_override_a_flow_vars_initial_value(engine: str) -> None:
    library, _ = load_text(FLOW)
    assert library is not None
    compiled = compile_definition(library.get("capped_price"), engine=engine)  # type: ignore[arg-type]
    capped = compiled.evaluate(facts(cap_multiple=D("1.2")))  # 1.2 x 3 % = 3.6 % binds
    assert capped.values["rate"] == D("0.0360")
    off = compiled.evaluate(facts(cap_multiple=D("0.5")))  # the condition reads the caller's value
    assert "rate" not in off.values
    floored = compiled.evaluate(facts(floor_rate=D("0.05")))  # a declared var, given by the facts
    assert floored.values["rate"] == D("0.05")


def test_flow_vars_are_typed_and_located_at_load(tmp_path: Path) -> None:
    text = """kind: rules
definitions:
  - id: f
    purpose: pricing
    vars: {label: '"A"', cap: 4, rate: decmial, outcome: 1}
    steps:
      - id: s1
        purpose: pricing
        rules:
          - {id: a, when: "vars.label > 3", then: {set: {x: 1}}}
          - {id: b, when: "vars.cpa > 3", then: {set: {x: 2}}}
  - id: g
    purpose: pricing
    rules:
      - {id: c, when: "vars.cap > 3", then: {set: {y: 1}}}
"""
    library, problems = load_text(text, tmp_path)
    assert library is None
    found = {(d.code, d.line, d.hint) for d in errors(problems)}
    assert ("unknown-type", 5, "did you mean 'decimal'?") in found
    assert ("bad-name", 5, None) in found
    assert ("expr-type", 10, None) in found  # text compared with a number
    assert ("expr-unknown-var", 11, "did you mean 'cap'?") in found
    assert ("expr-unknown-var", 15, None) in found  # the flow's names stay inside the flow


def test_a_flow_vars_that_is_not_a_mapping_is_an_error() -> None:
    text = (
        "kind: rules\ndefinitions:\n  - {id: f, purpose: pricing, vars: [1], steps: [{id: s, rules: []}]}\n"
    )
    _, problems = load_text(text)
    assert any(d.code == "wrong-type" and d.path == "definitions[0].vars" for d in problems)


def test_before_the_fix_an_inline_step_could_not_read_an_earlier_one() -> None:
    """The defect: 'no earlier rule sets y' for a value an earlier inline step set."""
    text = """kind: rules
definitions:
  - id: f
    purpose: limit
    steps:
      - {id: one, purpose: limit, rules: [{id: a, when: true, then: {set: {y: 5}}}]}
      - {id: two, purpose: limit, rules: [{id: b, when: "vars.y > 3", then: {set: {limit: vars.y * 1000}}}]}
"""
    library, problems = load_text(text)
    assert library is not None, [d.format() for d in problems]
    for engine in ENGINES:
        compiled = compile_definition(library.get("f"), engine=engine)  # type: ignore[arg-type]
        assert compiled.evaluate(facts()).values["limit"] == 5000


def test_inline_flow_in_a_product_keeps_its_vars() -> None:
    data = {
        "vars": {"bonus": "0.5%"},
        "steps": [
            {
                "id": "s",
                "purpose": "pricing",
                "rules": [{"id": "r", "when": True, "then": {"set": {"spread": "vars.bonus"}}}],
            }
        ],
    }
    document = Document("<product>", {"rules": {"pricing": data}})
    definition, problems = parse_definition(data, document, ("rules", "pricing"))
    assert isinstance(definition, Flow), [d.format() for d in problems]
    assert [name for name, _ in definition.vars] == ["bonus"]
    for engine in ENGINES:
        compiled = compile_definition(definition, engine=engine)  # type: ignore[arg-type]
        assert compiled.evaluate(facts()).values["spread"] == D("0.005")


def test_the_rules_guide_flow_vars_example_runs() -> None:
    import re

    from .conftest import ROOT

    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "capped_pricing" in b)
    library, problems = load_text("kind: rules\ndefinitions:\n" + block)
    assert library is not None, [d.format() for d in problems]
    for engine in ENGINES:
        compiled = compile_definition(library.get("capped_pricing"), engine=engine)  # type: ignore[arg-type]
        assert compiled.evaluate(facts()).values["rate"] == D("0.03") + D("0.015")

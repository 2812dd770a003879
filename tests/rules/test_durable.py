"""The durable_rules traps the durable engine must survive."""

from __future__ import annotations

import json
import re
import threading
from datetime import date
from decimal import Decimal

from loanfactory.facts import Applicant, BureauReport, Facts
from loanfactory.rules import DurableRuntime, RuleLibrary, compile_definition

from .conftest import load_text


def _facts(i: int) -> Facts:
    return Facts(
        as_of=date(2025, 1, 1),
        applicant=Applicant(
            age=15 + i % 60, monthly_income=Decimal(1000 + i * 7), region=("BJ", "XZ")[i % 2]
        ),
        bureau=BureauReport(credit_score=500 + i % 400),
    )


def test_recompiling_reuses_the_registered_rulesets(library: RuleLibrary) -> None:
    first = compile_definition(library.get("retail_eligibility"), engine="durable")
    second = compile_definition(library.get("retail_eligibility"), engine="durable")
    f = _facts(3)
    assert first.evaluate(f) == second.evaluate(f)


def test_more_evaluations_than_durable_sessions(library: RuleLibrary) -> None:
    """Past 1,024 live sessions durable_rules raises MemoryError; state is freed every time,
    including decisions where nothing fires (whose sessions must not be deleted)."""
    text = """kind: rules
definitions:
  - id: rarely
    purpose: eligibility
    rules:
      - {id: r, when: "applicant.age == 33", then: {reject: X}}
"""
    lib, _ = load_text(text)
    assert lib is not None
    rarely = compile_definition(lib.get("rarely"), engine="durable")
    results = [rarely.evaluate(_facts(i)).outcome.value for i in range(2100)]
    assert results.count("reject") == sum(1 for i in range(2100) if 15 + i % 60 == 33)


def test_two_threads_lose_no_result(library: RuleLibrary) -> None:
    durable = compile_definition(library.get("standard_decision"), engine="durable")
    compiled = compile_definition(library.get("standard_decision"))
    wrong: list[int] = []

    def work(offset: int) -> None:
        for i in range(offset, offset + 1500):
            f = _facts(i)
            if durable.evaluate(f) != compiled.evaluate(f):
                wrong.append(i)

    threads = [threading.Thread(target=work, args=(k * 1500,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_no_exists_tests_are_ever_emitted(library: RuleLibrary) -> None:
    """``$nex``/``$ex`` make durable_rules 2.0.28 fire a rule forever; we never use them."""
    runtime = DurableRuntime()
    for ident in library.definitions:
        compile_definition(library.get(ident), engine="durable", runtime=runtime)
    dumped = json.dumps(
        {name: runtime.host.get_ruleset(name).get_definition() for name in runtime._registered}, default=str
    )
    assert '"$nex"' not in dumped
    assert '"$ex"' not in dumped
    assert len(runtime._registered) >= len(library.definitions)


def test_first_hit_rows_become_disjoint_ranges(library: RuleLibrary) -> None:
    runtime = DurableRuntime()
    compile_definition(library.get("standard_decision"), engine="durable", runtime=runtime)
    (name,) = runtime._registered
    rules = runtime.host.get_ruleset(name).get_definition()
    text = json.dumps(rules, default=str)
    # [700..750), [650..700) and [550..650) are each one range of ranks (constants 550 < 650 <
    # 700 < 750 have ranks 1, 3, 5, 7), not "row and not the rows before"
    ranges = re.findall(
        r'\{"\$and": \[\{"\$gte": \{"bureau__credit_score": (\d+)\}\}, '
        r'\{"\$lt": \{"bureau__credit_score": (\d+)\}\}\]\}',
        text,
    )
    assert sorted((int(a), int(b)) for a, b in ranges) == [(1, 3), (3, 5), (5, 7)]
    assert '{"$gte": {"bureau__credit_score": 7}}' in text


def test_a_rule_reads_a_value_a_later_cap_lowered(library: RuleLibrary) -> None:
    """retail_limit: 20 × 10,000 income and the 100,000 asked give 100,000; grade D caps it at
    50,000; the product's minimum of 60,000 is then above the limit, so the application is
    refused. A name set again (the cap rewriting ``limit``) must reach the rule that reads it on
    both engines, not only a name set for the first time."""
    from loanfactory.facts import ApplicationFacts, ProductFacts

    facts = Facts(
        as_of=date(2024, 1, 1),
        applicant=Applicant(kind="individual", monthly_income=Decimal("10000")),
        application=ApplicationFacts(amount=Decimal("100000"), term=12),
        product=ProductFacts(code="p", min_amount=Decimal("60000"), max_amount=Decimal("500000")),
        vars={"grade": "D"},
    )
    definition = library.get("retail_limit")
    for engine in ("compiled", "durable"):
        decision = compile_definition(definition, engine=engine).evaluate(facts, trace=True)
        assert decision.outcome.value == "reject", engine
        assert decision.fired == ("base_limit", "grade_d_cap", "below_minimum"), engine

"""Both engines give identical decisions — outcome, values, reasons, fired rules and trace — on
at least 5,000 random fact sets per shipped definition."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from loanfactory.facts import Facts
from loanfactory.rules import CompiledDefinition, RuleEvaluationError, RuleLibrary, compile_definition

from .strategies import facts

IDS = [
    "retail_eligibility",
    "enterprise_eligibility",
    "retail_pre_review",
    "enterprise_pre_review",
    "retail_scorecard",
    "enterprise_scorecard",
    "grade_routing",
    "lpr_grade_pricing",
    "retail_limit",
    "secured_limit",
    "enterprise_limit",
    "retail_tags",
    "enterprise_tags",
    "overdue_tiers",
    "standard_decision",
]
EXAMPLES = 5000


def outcome(engine: CompiledDefinition, f: Facts) -> object:
    try:
        return engine.evaluate(f, trace=True)
    except RuleEvaluationError as exc:
        return ("error", exc.message)


@pytest.mark.slow
def test_engines_agree(library: RuleLibrary) -> None:
    """One random fact set is decided by every definition on both engines, 5,000 times over."""
    pairs = [
        (
            ident,
            compile_definition(library.get(ident)),
            compile_definition(library.get(ident), engine="durable"),
        )
        for ident in IDS
    ]
    seen = dict.fromkeys(IDS, 0)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(facts)
    def agree(f: Facts) -> None:
        for ident, compiled, durable in pairs:
            assert outcome(compiled, f) == outcome(durable, f), ident
            seen[ident] += 1

    agree()
    assert min(seen.values()) >= EXAMPLES


def test_every_shipped_definition_is_covered(library: RuleLibrary) -> None:
    assert sorted(library.definitions) == sorted(IDS)

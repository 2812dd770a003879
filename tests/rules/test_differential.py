"""Both engines give identical decisions — outcome, values, reasons, fired rules and trace — on
at least 5,000 random fact sets per shipped definition, and per definition of
``language_rules.yaml`` (dates, durations, records, lists, text, functions, OUTPUT ORDER,
``?`` cells). The facts include adversarial Decimals: at thresholds, a hair (1E-17) either side
and in exponent form (``1E-7``)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from loanfactory.facts import Facts
from loanfactory.rules import CompiledDefinition, RuleEvaluationError, RuleLibrary, compile_definition

from .conftest import ROOT
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
    "standard_decision",
    "upcoming_installment_risk",
    "new_customer_campaign",
    "limit_increase_selection",
]
EXAMPLES = 5000


def outcome(engine: CompiledDefinition, f: Facts) -> object:
    try:
        return engine.evaluate(f, trace=True)
    except RuleEvaluationError as exc:
        return ("error", exc.message)


LANGUAGE = ["dates_and_durations", "age_band", "grades_twice", "grades_collect", "records_lists_text"]


def language_library() -> RuleLibrary:
    from loanfactory.rules import load_rule_file

    found, problems = load_rule_file(ROOT / "tests" / "rules" / "language_rules.yaml")
    assert found is not None, [p.format() for p in problems]
    return found


@pytest.mark.slow
def test_engines_agree(library: RuleLibrary) -> None:
    """One random fact set is decided by every definition on both engines, 5,000 times over."""
    language = language_library()
    pairs = [
        (
            ident,
            compile_definition(lib.get(ident)),
            compile_definition(lib.get(ident), engine="durable"),
        )
        for lib, idents in ((library, IDS), (language, LANGUAGE))
        for ident in idents
    ]
    seen = dict.fromkeys([*IDS, *LANGUAGE], 0)

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
    assert sorted(language_library().definitions) == sorted(LANGUAGE)


def test_language_definitions_agree_on_a_few_facts() -> None:
    """A quick run of the same check (the full one is marked slow)."""
    language = language_library()
    pairs = [
        (
            ident,
            compile_definition(language.get(ident)),
            compile_definition(language.get(ident), engine="durable"),
        )
        for ident in LANGUAGE
    ]

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(facts)
    def agree(f: Facts) -> None:
        for ident, compiled, durable in pairs:
            assert outcome(compiled, f) == outcome(durable, f), ident

    agree()

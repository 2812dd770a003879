"""The public API of loanfactory.rules."""

from __future__ import annotations

import loanfactory.rules as rules


def test_public_names() -> None:
    assert rules.__all__ == [
        "Action",
        "CompiledDefinition",
        "Decision",
        "DecisionFlow",
        "Definition",
        "DurableRuntime",
        "EmittedAction",
        "EngineName",
        "Event",
        "EventMonitor",
        "EventRules",
        "Flow",
        "FlowDecision",
        "FlowStep",
        "HitPolicy",
        "Outcome",
        "Purpose",
        "Reason",
        "RuleEvaluationError",
        "RuleLibrary",
        "RuleSet",
        "Scenario",
        "ScenarioFile",
        "ScenarioResult",
        "ScenarioRun",
        "Scorecard",
        "Table",
        "TraceEntry",
        "compile_definition",
        "evaluate",
        "load_rule_document",
        "load_rule_file",
        "load_rule_files",
        "load_scenario_document",
        "parse_definition",
        "read_dmn",
        "run_rule_scenarios",
        "write_dmn",
    ]
    assert rules.ENGINES == ("compiled", "durable")
    assert [p.value for p in rules.FLOW_ORDER] == [
        "eligibility",
        "pre_review",
        "scoring",
        "routing",
        "pricing",
        "limit",
        "tags",
    ]


def test_decision_flow_from_library(library: rules.RuleLibrary) -> None:
    from datetime import date
    from decimal import Decimal

    from loanfactory.facts import Applicant, ApplicationFacts, BureauReport, Facts

    refs = {
        "eligibility": "retail_eligibility",
        "scoring": "retail_scorecard",
        "routing": "grade_routing",
        "pricing": "lpr_grade_pricing",
        "limit": "retail_limit",
    }
    f = Facts(
        as_of=date(2025, 6, 1),
        applicant=Applicant(
            age=40,
            monthly_income=Decimal(30000),
            region="BJ",
            debt_to_income=Decimal("0.1"),
            employment_years=Decimal(9),
        ),
        bureau=BureauReport(credit_score=800),
        application=ApplicationFacts(amount=Decimal(150000), term=12),
    )
    for engine in ("compiled", "durable"):
        flow = rules.DecisionFlow.from_library(library, refs, engine=engine)
        assert flow.others == {}
        d = flow.evaluate(f)
        assert d.outcome.value == "approve"
        assert d.values["grade"] == "A"
        assert d.values["limit"] == Decimal(150000)
        assert d.values["spread"] == Decimal("0.005")  # grade A: 0.5 % on the product's rate
        assert "rate" not in d.values

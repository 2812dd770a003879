"""The public API of loanfactory.rules."""

from __future__ import annotations

import loanfactory.rules as rules


def test_the_constants_kept_out_of_all() -> None:
    """The exports are pinned in tests/test_public_surface.py; the constants are importable besides."""
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

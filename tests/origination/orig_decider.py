"""A scripted decider for the flow tests: fixed, readable rules standing in for a product's flow.

It exercises origination's side of the seam (records, routing, tags, limits, pricing) without
depending on the rule files; the sample-product tests run the real rules engine.
"""

from __future__ import annotations

from decimal import Decimal

from loanfactory.facts import Facts
from loanfactory.origination import DecisionStep, FlowResult, StepOutcome, StepReason, StepResult
from loanfactory.pricing import PricingDecision
from loanfactory.spec import ProductSpec


def scripted(spec: ProductSpec, facts: Facts) -> FlowResult:
    assert facts.applicant is not None
    assert facts.bureau is not None
    assert facts.application is not None
    steps: list[StepResult] = []
    severe = facts.bureau.severe_record_count
    if severe:
        reason = StepReason(
            code="pre_review.severe-record",
            rule="test_pre_review.severe",
            en=f"{severe} severe bureau record(s)",
            zh=f"征信有 {severe} 条严重不良记录",
        )
        steps.append(
            StepResult(
                DecisionStep.pre_review,
                StepOutcome.reject,
                reasons=(reason,),
                fired_rules=("test_pre_review.severe",),
                rule_set="test_pre_review",
                trace=({"rule": "test_pre_review.severe", "matched": True},),
            )
        )
        return FlowResult(steps=tuple(steps), route=StepOutcome.reject)
    steps.append(StepResult(DecisionStep.pre_review, StepOutcome.passed, rule_set="test_pre_review"))
    score = facts.bureau.credit_score or 600
    grade = "A" if score >= 700 else "B" if score >= 620 else "C"
    steps.append(
        StepResult(
            DecisionStep.scoring,
            StepOutcome.passed,
            values={"score": score, "grade": grade},
            rule_set="test_scorecard",
        )
    )
    route = {"A": StepOutcome.approve, "B": StepOutcome.manual_review, "C": StepOutcome.reject}[grade]
    reason = StepReason(
        code=f"routing.grade-{grade}", rule="test_routing", en=f"grade {grade}", zh=f"评级 {grade}"
    )
    steps.append(StepResult(DecisionStep.routing, route, reasons=(reason,), rule_set="test_routing"))
    spread = {"A": Decimal(0), "B": Decimal("0.01"), "C": Decimal("0.03")}[grade]
    income = facts.applicant.monthly_income or (facts.applicant.annual_revenue or Decimal(0)) / 12
    limit = (income * 12 * 2).quantize(Decimal("0.01"))
    steps.append(StepResult(DecisionStep.pricing, StepOutcome.passed, values={"spread": spread}))
    steps.append(StepResult(DecisionStep.limit, StepOutcome.passed, values={"limit": limit}))
    tags = (("优质客户", "test_tags.prime"),) if grade == "A" else ()
    return FlowResult(
        steps=tuple(steps),
        route=route,
        score=score,
        grade=grade,
        rule_limit=limit,
        pricing=PricingDecision(spread=spread),
        tags=tags,
    )

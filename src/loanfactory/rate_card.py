"""A product's rate card (定价表): every rate its rules can offer, by grade, term and amount.

The product's own pricing step (:meth:`loanfactory.product.Product.compiled`) is asked, on one
day, for each grade the scoring step can give — a scorecard's bands and default grade, the grades a
scoring table or rule set can set, or no grade — and for each allowed term and each amount where
the rate or the cost can change (:func:`candidate_amounts`: the smallest and largest amounts, the
edges of rate-table bands, the amounts where a percentage fee reaches its minimum or maximum). The
facts are the ones origination builds for the product (:func:`loanfactory.product.product_facts`).
Rates or spreads the rules set only under conditions no enumeration reaches (a row keyed on the
applicant's age, a first-loan rule) are added as cases of their own, marked *other conditions*.

Each outcome is read as a :class:`~loanfactory.pricing.PricingDecision` and priced by the loan-terms
builder (:func:`loanfactory.terms.contract_terms`): the rule's rate, or the product's rate plus the
spread, within the product's floor and cap. ``loanfactory explain`` prints the card; ``lint`` runs
its worst case over the same cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from loanfactory._pricingrefs import pricing_constants
from loanfactory.facts import ApplicationFacts, Facts
from loanfactory.lpr import LprSeries
from loanfactory.pricing import PRICING_VALUES, RATE_VALUES, PricingDecision, read_pricing
from loanfactory.product import Product, product_facts
from loanfactory.rules import Const, Definition, Flow, Node, RuleSet, Scorecard, Table
from loanfactory.spec import ProductSpec
from loanfactory.terms import contract_terms


@dataclass(frozen=True, slots=True)
class PricingCase:
    """One reachable pricing outcome: the grade, term and amount it was asked for, what the rules
    decided, how it was reached, and the annual rate offered (floor and cap applied)."""

    grade: str | None
    term: int
    amount: Decimal
    pricing: PricingDecision
    path: str
    rate: Decimal


def candidate_amounts(product: ProductSpec) -> list[Decimal]:
    """The allowed amounts where the rate or the cost can change, snapped to the product's step."""
    limits = product.amount
    raw: set[Decimal] = {limits.min, limits.max}
    for band in getattr(product.rate, "table", ()):
        raw.update(x for x in (band.amount_min, band.amount_max) if x is not None)
    for fee in product.fees:
        if fee.percent:
            raw.update(bound / fee.percent for bound in (fee.min, fee.max) if bound is not None)
    out: set[Decimal] = set()
    for value in raw:
        if not limits.min <= value <= limits.max:
            continue
        steps = (value - limits.min) / limits.step
        for snapped in (steps.to_integral_value(ROUND_FLOOR), steps.to_integral_value(ROUND_CEILING)):
            amount = limits.min + snapped * limits.step
            if limits.min <= amount <= limits.max:
                out.add(amount)
    return sorted(out)


def reachable_grades(product: Product) -> list[tuple[str | None, Any]]:
    """``(grade, score)`` pairs the product's scoring step can give (a scorecard band's minimum
    score with its grade); ``(None, None)`` when it may give no grade or there is no scoring step."""
    scoring = product.rules.get("scoring")
    if scoring is None:
        return [(None, None)]
    found = list(dict.fromkeys(_grades(scoring)))
    if not isinstance(scoring, Scorecard) or scoring.default_grade is None:
        found.append((None, None))
    return found


def pricing_cases(product: Product, *, day: date, lpr: LprSeries | None = None) -> list[PricingCase]:
    """Every pricing outcome the product's rules can reach on ``day``, for every grade, allowed
    term and candidate amount (:func:`candidate_amounts`)."""
    spec = product.spec
    series = lpr or product.lpr
    step = product.compiled("pricing")
    definition = product.rules.get("pricing")
    grades = reachable_grades(product)
    cases: list[PricingCase] = []
    seen: set[tuple[str, Decimal]] = set()
    for term in spec.term.values():
        for amount in candidate_amounts(spec):
            facts = _facts(spec, term, amount, series, day)
            for grade, score in grades if step is not None else [(None, None)]:
                values: dict[str, Any] = {"grade": grade, "score": score}
                if step is not None:
                    values.update(step.evaluate(facts.with_vars(values)).values)
                rule = definition.id if definition is not None else None
                decision = read_pricing(values, rule=rule)
                seen.update((n, Decimal(values[n])) for n in PRICING_VALUES if values.get(n) is not None)
                path = f"grade {grade}" if grade is not None else "no grade"
                cases.append(_case(spec, grade, term, amount, decision, path, series, day))
    if definition is not None:
        for name, value, where in _constants(definition):
            if (name, value) in seen:
                continue
            decision = PricingDecision(
                **{"rate" if name in RATE_VALUES else "spread": value}, rule=definition.id
            )
            path = f"{name} {value} at {where} (other conditions)"
            for term in spec.term.values():
                for amount in candidate_amounts(spec):
                    cases.append(_case(spec, None, term, amount, decision, path, series, day))
    return cases


def _case(
    spec: ProductSpec,
    grade: str | None,
    term: int,
    amount: Decimal,
    decision: PricingDecision,
    path: str,
    lpr: LprSeries,
    day: date,
) -> PricingCase:
    terms = contract_terms(spec, amount, term, start=day, lpr=lpr, pricing=decision)
    return PricingCase(grade, term, amount, decision, path, terms.annual_rate)


def _facts(spec: ProductSpec, term: int, amount: Decimal, lpr: LprSeries, day: date) -> Facts:
    application = ApplicationFacts(
        amount=amount,
        term=term,
        term_unit=spec.term.unit,
        guarantee_type=spec.guarantee.types[0],
        repayment_method=spec.repayment.method,
    )
    return Facts(as_of=day, application=application, product=product_facts(spec, term, amount, lpr, day))


def _grades(definition: Definition) -> Iterator[tuple[str | None, Any]]:
    if isinstance(definition, Scorecard):
        for band in definition.bands:
            yield band.grade, band.min
        if definition.default_grade is not None:
            yield definition.default_grade, None
    elif isinstance(definition, Table):
        for k, output in enumerate(definition.outputs):
            if output.name == "grade":
                for row in definition.rows:
                    yield from _const_text(row.outputs[k])
                yield from _const_text(output.default)
    elif isinstance(definition, RuleSet):
        for rule in definition.rules:
            for effect in rule.effects:
                if effect.kind == "set" and effect.name == "grade":
                    yield from _const_text(effect.value)
    elif isinstance(definition, Flow):
        for step in definition.steps:
            yield from _grades(step)


def _const_text(node: Node | None) -> Iterator[tuple[str | None, Any]]:
    if isinstance(node, Const) and isinstance(node.value, str):
        yield node.value, None


def _constants(definition: Definition) -> Iterator[tuple[str, Decimal, str]]:
    for name, value, where in pricing_constants(definition):
        yield name, value, f"{where.file}:{where.line}" if where.file else where.path


__all__ = ["PricingCase", "candidate_amounts", "pricing_cases", "reachable_grades"]

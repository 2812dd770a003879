"""The seam between origination and the product layer (rules and decision flow).

Origination needs two things of a product besides its :class:`~loanfactory.spec.ProductSpec`:
its decision flow run on the facts of an application, and its quote. This module states, in
origination's own terms, what it reads of a decision (:class:`FlowResult`: one
:class:`StepResult` per step, the route, and the values later steps use — score, grade, rule
limit, grade spread, tags), and holds the one function that runs a product's rules
(:func:`rules_decider`). When the lead's ``loanfactory.product.Product`` lands, only this
module changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from loanfactory.errors import InvalidInput
from loanfactory.facts import Facts
from loanfactory.lpr import LprSeries
from loanfactory.origination._values import Reason
from loanfactory.origination.decision import DecisionStep, Outcome
from loanfactory.rules import (
    FLOW_ORDER,
    CompiledDefinition,
    Definition,
    EngineName,
    RuleLibrary,
    RuleSet,
    Scorecard,
    compile_definition,
)
from loanfactory.spec import ProductSpec


@dataclass(frozen=True)
class StepResult:
    """One step of a product's decision flow, as origination records it."""

    step: DecisionStep
    outcome: Outcome
    values: Mapping[str, Any] = field(default_factory=dict)
    reasons: tuple[Reason, ...] = ()
    fired_rules: tuple[str, ...] = ()
    trace: tuple[Mapping[str, Any], ...] = ()
    rule_set: str | None = None


@dataclass(frozen=True)
class FlowResult:
    """The whole decision: every step, the route, and the values the offer is built from."""

    steps: tuple[StepResult, ...]
    route: Outcome  # approve, manual_review or reject
    score: int | None = None
    grade: str | None = None
    rule_limit: Decimal | None = None  # 规则测算额度 (for the amount applied for)
    line_limit: Decimal | None = (
        None  # the same rules for the product's maximum: the line to grant (授信额度)
    )
    grade_spread: Decimal = Decimal(0)  # 评级加点 (signed)
    tags: tuple[tuple[str, str], ...] = ()  # (tag, rule id)

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """The reasons of the steps that decided the route (every reason for a rejection)."""
        if self.route is Outcome.reject:
            return tuple(r for s in self.steps if s.outcome is Outcome.reject for r in s.reasons)
        deciding = [s for s in self.steps if s.outcome is self.route] or list(self.steps[-1:])
        return tuple(r for s in deciding for r in s.reasons)


class Decider(Protocol):
    """Runs a product's decision flow on the facts of one application."""

    def __call__(self, spec: ProductSpec, facts: Facts) -> FlowResult: ...


class Screener(Protocol):
    """Runs only a product's eligibility rules (准入) — for recommendations, without a bureau report."""

    def __call__(self, spec: ProductSpec, facts: Facts) -> tuple[Reason, ...]: ...


def product_specs(catalog: Any) -> Mapping[str, ProductSpec]:
    """The product specs of the catalog the service was given: a ``loanfactory.catalog.Catalog``,
    a mapping of codes to specs, or of codes to products that carry a ``spec``."""
    products = getattr(catalog, "products", catalog)
    return {code: getattr(p, "spec", p) for code, p in products.items()}


LIMIT_VALUES = ("limit", "credit_limit", "max_limit")
"""Names under which a product's limit rules give the rule-computed limit (first found wins)."""
SPREAD_VALUES = ("spread", "grade_spread", "rate_spread")
"""Names under which a product's pricing rules give the spread added for the grade (signed)."""

_STEPS = {purpose.value: DecisionStep(purpose.value) for purpose in FLOW_ORDER}


class RulesDecider:
    """A product's decision flow on the rules engine, step by step.

    Each purpose the product names (``spec.rules``) runs in :data:`loanfactory.rules.FLOW_ORDER`,
    seeing the values of the steps before it as ``vars``, and is recorded as its own step with its
    reasons, fired rules and trace. A step that rejects ends the flow. The route is the strongest
    outcome of the steps (reject > manual review > approve); a flow where nothing objects approves.
    Compiled definitions are cached by id.
    """

    def __init__(
        self,
        libraries: Sequence[RuleLibrary],
        *,
        engine: EngineName = "compiled",
        lpr: LprSeries | None = None,
        trace: bool = True,
    ) -> None:
        merged = RuleLibrary()
        for library in libraries:
            merged, _ = merged.merged(library)  # duplicate ids were reported when the catalog loaded
        self.library = merged
        self.engine: EngineName = engine
        self.lpr = lpr
        self.trace = trace
        self._compiled: dict[str, CompiledDefinition] = {}

    def _definition(
        self, spec: ProductSpec, purpose: str, ref: str | Mapping[str, Any]
    ) -> CompiledDefinition:
        if not isinstance(ref, str):
            raise InvalidInput(
                f"{spec.code}: inline rule sets ({purpose}) need the product layer; name a rule id",
                field=f"rules.{purpose}",
                message_zh=f"{spec.code}：内联规则集暂不支持，请引用规则编号",
            )
        compiled = self._compiled.get(ref)
        if compiled is None:
            compiled = compile_definition(self.library.get(ref), engine=self.engine, lpr=self.lpr)
            self._compiled[ref] = compiled
        return compiled

    def steps(self, spec: ProductSpec) -> list[tuple[str, CompiledDefinition]]:
        return [
            (p.value, self._definition(spec, p.value, ref))
            for p, ref in spec.rules.items()
            if p.value in _STEPS
        ]

    def __call__(self, spec: ProductSpec, facts: Facts) -> FlowResult:
        values: dict[str, Any] = {}
        results: list[StepResult] = []
        score: Any = None
        grade: Any = None
        tags: list[tuple[str, str]] = []
        line_limit: Decimal | None = None
        for purpose, compiled in self.steps(spec):
            if purpose == "limit":
                line_limit = _line_limit(compiled, facts.with_vars(values), spec)
            decision = compiled.evaluate(facts.with_vars(values) if values else facts, trace=self.trace)
            values.update(decision.values)
            definition = compiled.definition
            if isinstance(definition, Scorecard):
                score = decision.values.get(definition.score_name, score)
                grade = decision.values.get(definition.grade_name, grade)
            if decision.tags:
                tags += [(tag, _tagging_rule(definition, tag, decision.fired)) for tag in decision.tags]
            results.append(
                StepResult(
                    step=_STEPS[purpose],
                    outcome=Outcome(decision.outcome.value),
                    values=dict(decision.values),
                    reasons=tuple(
                        Reason(code=r.code, en=r.message, zh=r.message_zh, rule=r.rule)
                        for r in decision.reasons
                    ),
                    fired_rules=decision.fired,
                    trace=tuple(t.to_json() for t in decision.trace or ()),
                    rule_set=definition.id,
                )
            )
            if decision.outcome.value == Outcome.reject.value:
                break
        return FlowResult(
            steps=tuple(results),
            route=_route(results),
            score=_int(score),
            grade=None if grade is None else str(grade),
            rule_limit=_first(values, LIMIT_VALUES),
            line_limit=line_limit,
            grade_spread=_first(values, SPREAD_VALUES) or Decimal(0),
            tags=tuple(tags),
        )

    def screen(self, spec: ProductSpec, facts: Facts) -> tuple[Reason, ...]:
        """The eligibility reasons that do not depend on a bureau report (for recommendations)."""
        out: list[Reason] = []
        for purpose, compiled in self.steps(spec):
            if purpose != "eligibility":
                continue
            decision = compiled.evaluate(facts, trace=True)
            needs_bureau = {
                t.rule for t in decision.trace or () if any(k.startswith("bureau.") for k in t.reads)
            }
            out += [
                Reason(code=r.code, en=r.message, zh=r.message_zh, rule=r.rule)
                for r in decision.reasons
                if r.rule not in needs_bureau
            ]
        return tuple(out)


def _line_limit(compiled: CompiledDefinition, facts: Facts, spec: ProductSpec) -> Decimal | None:
    """What the limit rules would allow for the product's maximum amount: the size of a new line.

    Limit rules usually cap the limit at the amount applied for; asking them again for the
    product's maximum gives what the customer could borrow — the credit line (授信) — while the
    offer (用信) stays within the amount applied for.
    """
    if facts.application is None:
        return None
    widened = facts.model_copy(
        update={"application": facts.application.model_copy(update={"amount": spec.amount.max})}
    )
    decision = compiled.evaluate(widened)
    if decision.outcome.value == Outcome.reject.value:
        return None
    return _first(decision.values, LIMIT_VALUES)


def _route(results: Sequence[StepResult]) -> Outcome:
    outcomes = {r.outcome for r in results}
    for strongest in (Outcome.reject, Outcome.manual_review):
        if strongest in outcomes:
            return strongest
    return Outcome.approve


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _first(values: Mapping[str, Any], names: Sequence[str]) -> Decimal | None:
    for name in names:
        if values.get(name) is not None:
            return Decimal(str(values[name]))
    return None


def _tagging_rule(definition: Definition, tag: str, fired: Sequence[str]) -> str:
    """The id of the fired rule that set ``tag`` (the definition id when it cannot be told)."""
    if isinstance(definition, RuleSet):
        for rule in definition.rules:
            qualified = f"{definition.id}.{rule.id}"
            if (rule.id in fired or qualified in fired) and any(
                e.kind == "tag" and e.name == tag for e in rule.effects
            ):
                return qualified
    return definition.id


def catalog_libraries(catalog: Any) -> tuple[RuleLibrary, ...]:
    return tuple(getattr(catalog, "rule_libraries", ()) or ())


def catalog_decider(
    catalog: Any, *, trace: bool = True, engine: EngineName = "compiled", lpr: LprSeries | None = None
) -> RulesDecider:
    """The decision flow of the catalog's products on the rules engine (:class:`RulesDecider`)."""
    return RulesDecider(catalog_libraries(catalog), trace=trace, engine=engine, lpr=lpr)


def catalog_screener(catalog: Any) -> Screener:
    """The eligibility rules of the catalog's products, bureau-dependent reasons left out."""
    return RulesDecider(catalog_libraries(catalog), trace=True).screen

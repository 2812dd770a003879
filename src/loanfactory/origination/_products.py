"""The seam between origination and the product layer (rules and decision flow).

Origination needs two things of a product besides its :class:`~loanfactory.spec.ProductSpec`:
its decision flow run on the facts of an application, and its quote. The flow runs in one place,
:meth:`loanfactory.product.Product.decide`; this module only states, in origination's own terms,
what origination reads of that decision (:func:`flow_result` gives a :class:`FlowResult`: one
:class:`StepResult` per step, the route, and the values later steps use — score, grade, rule
limit, the pricing decision, tags). :class:`RulesDecider` is the :class:`Decider` over a
catalog's products; ``loanfactory test`` scenarios use the same view.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any, Protocol

from loanfactory.catalog import LoadedCatalog
from loanfactory.errors import InvalidInput
from loanfactory.facts import Facts
from loanfactory.lpr import LprSeries
from loanfactory.money import CENT
from loanfactory.origination._decision import DecisionStep, StepOutcome
from loanfactory.origination._values import StepReason
from loanfactory.pricing import PricingDecision, read_pricing
from loanfactory.product import Product, ProductCatalog, ProductDecision
from loanfactory.rules import (
    FLOW_ORDER,
    CompiledDefinition,
    Definition,
    EngineName,
    RuleSet,
    Scorecard,
)
from loanfactory.spec import ProductSpec


@dataclass(frozen=True)
class StepResult:
    """One step of a product's decision flow, as origination records it."""

    step: DecisionStep
    outcome: StepOutcome
    values: Mapping[str, Any] = field(default_factory=dict)
    reasons: tuple[StepReason, ...] = ()
    fired_rules: tuple[str, ...] = ()
    trace: tuple[Mapping[str, Any], ...] = ()
    rule_set: str | None = None


@dataclass(frozen=True)
class FlowResult:
    """The whole decision: every step, the route, and the values the offer is built from."""

    steps: tuple[StepResult, ...]
    route: StepOutcome  # approve, manual_review or reject
    score: int | None = None
    grade: str | None = None
    rule_limit: Decimal | None = None  # 规则测算额度 (for the amount applied for)
    line_limit: Decimal | None = (
        None  # the same rules for the product's maximum: the line to grant (授信额度)
    )
    pricing: PricingDecision = field(default_factory=PricingDecision)  # rate or spread (定价结果)
    tags: tuple[tuple[str, str], ...] = ()  # (tag, rule id)

    @property
    def reasons(self) -> tuple[StepReason, ...]:
        """The reasons of the steps that decided the route (every reason for a rejection)."""
        if self.route is StepOutcome.reject:
            return tuple(r for s in self.steps if s.outcome is StepOutcome.reject for r in s.reasons)
        deciding = [s for s in self.steps if s.outcome is self.route] or list(self.steps[-1:])
        return tuple(r for s in deciding for r in s.reasons)


class Decider(Protocol):
    """Runs a product's decision flow on the facts of one application."""

    def __call__(self, spec: ProductSpec, facts: Facts) -> FlowResult: ...


class Screener(Protocol):
    """Runs only a product's eligibility rules (准入) — for recommendations, without a bureau report."""

    def __call__(self, spec: ProductSpec, facts: Facts) -> tuple[StepReason, ...]: ...


class LiveSpecs(Mapping[str, ProductSpec]):
    """The specs of a :class:`~loanfactory.product.ProductCatalog` as they are now.

    Each look-up reads the catalog's live product mapping, so a status change made with
    :meth:`ProductCatalog.set_status` (a product paused or taken offline) takes effect on the
    next application without rebuilding the service.
    """

    def __init__(self, products: Mapping[str, Product]) -> None:
        self._products = products

    def __getitem__(self, code: str) -> ProductSpec:
        return self._products[code].spec

    def __iter__(self) -> Iterator[str]:
        return iter(self._products)

    def __len__(self) -> int:
        return len(self._products)

    def __contains__(self, code: object) -> bool:
        return code in self._products


def product_specs(catalog: Any) -> Mapping[str, ProductSpec]:
    """The product specs of the catalog the service was given: a live view of a
    :class:`~loanfactory.product.ProductCatalog` (:class:`LiveSpecs`), or a snapshot of a
    ``loanfactory.catalog.LoadedCatalog``, a mapping of codes to specs, or of codes to products that
    carry a ``spec``."""
    if isinstance(catalog, ProductCatalog):
        return LiveSpecs(catalog.products)
    products = getattr(catalog, "products", catalog)
    return {code: getattr(p, "spec", p) for code, p in products.items()}


LIMIT_VALUES = ("limit", "credit_limit", "max_limit")
"""Names under which a product's limit rules give the rule-computed limit (first found wins)."""

_STEPS = {purpose.value: DecisionStep(purpose.value) for purpose in FLOW_ORDER}


class RulesDecider:
    """A catalog's products as origination's :class:`Decider`: each application's flow runs in
    :meth:`loanfactory.product.Product.decide` and is read by :func:`flow_result`."""

    def __init__(self, products: Mapping[str, Product], *, trace: bool = True) -> None:
        self.products = products
        self.trace = trace

    def product(self, spec: ProductSpec) -> Product:
        found = self.products.get(spec.code)
        if found is None:
            raise InvalidInput(
                f"no rules are loaded for product '{spec.code}'",
                field="product_code",
                message_zh=f"产品 '{spec.code}' 没有加载规则",
            )
        return found

    def __call__(self, spec: ProductSpec, facts: Facts) -> FlowResult:
        product = self.product(spec)
        return flow_result(product, facts, product.decide(facts, trace=self.trace))

    def screen(self, spec: ProductSpec, facts: Facts) -> tuple[StepReason, ...]:
        """The eligibility reasons that do not depend on a bureau report (for recommendations)."""
        eligibility = self.product(spec).compiled("eligibility")
        if eligibility is None:
            return ()
        decision = eligibility.evaluate(facts, trace=True)
        needs_bureau = {t.rule for t in decision.trace or () if any(k.startswith("bureau.") for k in t.reads)}
        return tuple(
            StepReason(code=r.code, en=r.message, zh=r.message_zh, rule=r.rule)
            for r in decision.reasons
            if r.rule not in needs_bureau
        )


def flow_result(product: Product, facts: Facts, decision: ProductDecision) -> FlowResult:
    """What origination reads of a product's decision on ``facts``: each step with its reasons,
    fired rules and trace, the route, score and grade, the rule limit (and the line the same
    rules allow at the product's maximum), the pricing decision and the tags set."""
    spec = product.spec
    results: list[StepResult] = []
    score: Any = None
    grade: Any = None
    tags: list[tuple[str, str]] = []
    line_limit: Decimal | None = None
    before: dict[str, Any] = dict(facts.vars)
    for step in decision.steps:
        if step.purpose == "limit":
            limit_rules = product.compiled("limit")
            if limit_rules is not None:
                line_limit = _line_limit(limit_rules, facts.with_vars(before), spec)
        outcome = step.decision
        before.update(outcome.values)
        definition = step.definition
        if isinstance(definition, Scorecard):
            score = outcome.values.get(definition.score_name, score)
            grade = outcome.values.get(definition.grade_name, grade)
        if outcome.tags:
            tags += [(tag, _tagging_rule(definition, tag, outcome.fired)) for tag in outcome.tags]
        results.append(
            StepResult(
                step=_STEPS[step.purpose],
                outcome=StepOutcome(outcome.outcome.value),
                values=dict(outcome.values),
                reasons=tuple(
                    StepReason(code=r.code, en=r.message, zh=r.message_zh, rule=r.rule)
                    for r in outcome.reasons
                ),
                fired_rules=outcome.fired,
                trace=tuple(t.to_json() for t in outcome.trace or ()),
                rule_set=definition.id,
            )
        )
    values = decision.values
    pricing_step = decision.step("pricing")
    return FlowResult(
        steps=tuple(results),
        route=StepOutcome(decision.route.value),
        score=_int(score),
        grade=None if grade is None else str(grade),
        rule_limit=_first(values, LIMIT_VALUES),
        line_limit=line_limit,
        pricing=read_pricing(values, rule=pricing_step.definition.id if pricing_step else None),
        tags=tuple(tags),
    )


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
    if decision.outcome.value == StepOutcome.reject.value:
        return None
    return _first(decision.values, LIMIT_VALUES)


def limit_money(value: Decimal | None) -> Decimal | None:
    """A rule-computed limit as origination keeps it: never negative, rounded down to the fen."""
    return None if value is None else max(value, Decimal(0)).quantize(CENT, ROUND_DOWN)


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


def catalog_products(
    catalog: Any, *, engine: EngineName = "compiled", lpr: LprSeries | None = None
) -> Mapping[str, Product]:
    """Executable products of the catalog the service was given: a
    :class:`~loanfactory.product.ProductCatalog` as it is, or a loaded
    :class:`~loanfactory.catalog.LoadedCatalog` whose products are built with ``engine`` and ``lpr``."""
    if isinstance(catalog, ProductCatalog):
        return catalog.products
    if isinstance(catalog, LoadedCatalog):
        return ProductCatalog.from_catalog(catalog, engine=engine, lpr=lpr).products
    products = getattr(catalog, "products", catalog)
    return {code: p for code, p in products.items() if isinstance(p, Product)}


def catalog_decider(
    catalog: Any, *, trace: bool = True, engine: EngineName = "compiled", lpr: LprSeries | None = None
) -> RulesDecider:
    """The decision flow of the catalog's products (:class:`RulesDecider`)."""
    return RulesDecider(catalog_products(catalog, engine=engine, lpr=lpr), trace=trace)


def catalog_screener(catalog: Any) -> Screener:
    """The eligibility rules of the catalog's products, bureau-dependent reasons left out."""
    return RulesDecider(catalog_products(catalog)).screen

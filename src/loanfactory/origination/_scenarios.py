"""Product scenarios (产品场景测试): a scenario's applicant through what production runs.

A scenario that targets a product (``target: {product: consumer_credit}``) is an application
stated as facts. It runs exactly what origination runs for an application:

1. the facts completed by origination's facts builder (:func:`.factsheet.completed_facts`): the
   product's facts for the term and amount on ``as_of`` (``product.base_rate``, ``max_ltv``, the
   LPR tenor ...), the application's term unit, guarantee type and default method;
2. the product's decision flow (:meth:`loanfactory.product.Product.decide`), read as origination
   reads it (:func:`._products.flow_result`);
3. unless rejected, the offer: the limit (:func:`.limits.offer_limit`, with the stated collateral)
   and the price (:func:`.pricing.price`: the pricing rules' rate or spread, the product's floor
   and cap, schedule, APR, the compliance cap) as if disbursed on ``as_of``.

So a passing scenario means production gives that answer. ``expect.offer`` asserts the offer's
``rate``, ``amount``, ``term``, ``apr`` (as disclosed, to 0.01 %), ``first_installment`` and
``method``. Products are loaded from the nearest ``products/`` folder above the scenario file with
the rule files the scenario sees. :func:`run_scenario_paths` runs rule and product scenarios
alike; ``loanfactory test`` calls it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from loanfactory.catalog import load_catalog
from loanfactory.compliance import CapProfile, load_profile
from loanfactory.errors import InvalidInput
from loanfactory.facts import Facts
from loanfactory.lpr import LprSeries
from loanfactory.origination._decision import StepOutcome
from loanfactory.origination._factsheet import collateral_pieces, completed_facts
from loanfactory.origination._limits import offer_limit
from loanfactory.origination._pricing import price
from loanfactory.origination._products import FlowResult, flow_result, limit_money
from loanfactory.product import Product, ProductCatalog
from loanfactory.rules import (
    EngineName,
    Evaluator,
    RuleLibrary,
    Scenario,
    ScenarioAnswer,
    ScenarioRun,
    find_upwards,
)
from loanfactory.rules import run_rule_scenarios as run_paths


class ProductScenarios:
    """Evaluators for product scenarios: products loaded once per folder, rule files and engine."""

    def __init__(self, *, lpr: LprSeries | None = None, products: Sequence[Path] = ()) -> None:
        self.lpr = lpr or LprSeries.default()
        self.products = tuple(products)  # the project's product folders; else products/ above the file
        self._catalogs: dict[tuple[tuple[Path, ...], tuple[str, ...], str], ProductCatalog | str] = {}
        self._profiles: dict[str, CapProfile] = {}

    def __call__(
        self, scenario: Scenario, file: Path, engine: EngineName, library: RuleLibrary
    ) -> tuple[Evaluator | None, str | None]:
        found = find_upwards(file.resolve().parent, "products")
        folders = self.products or ((found,) if found is not None else ())
        if not folders:
            return None, f"no products/ folder above {file.parent}"
        catalog = self._catalog(folders, library, engine)
        if isinstance(catalog, str):
            return None, catalog
        if scenario.target not in catalog:
            return None, f"no product '{scenario.target}' in {', '.join(map(str, folders))}"
        product = catalog.product(scenario.target)
        return (lambda facts: self.answer(product, facts)), None

    def answer(self, product: Product, facts: Facts) -> ScenarioAnswer:
        """The product's decision on ``facts`` and the offer production would make."""
        if facts.application is None:
            raise InvalidInput(
                "a product scenario states the application (amount and term)",
                field="application",
                message_zh="产品场景需要给出申请（金额与期限）",
            )
        full = completed_facts(facts, product.spec, self.lpr)
        decision = product.decide(full)
        result = flow_result(product, full, decision)
        offer, why = self.offer(product, full, result)
        return ScenarioAnswer(decision.as_decision(), offer, why)

    def offer(self, product: Product, facts: Facts, result: FlowResult) -> tuple[dict[str, Any] | None, str]:
        """The offer's figures, as origination's approval computes them, or why there is none."""
        if result.route is StepOutcome.reject:
            return None, "the application is rejected (" + ", ".join(r.code for r in result.reasons) + ")"
        spec, application, day = product.spec, facts.application, facts.as_of
        assert application is not None
        method = application.repayment_method or spec.repayment.method
        sized = offer_limit(
            spec,
            requested=application.amount,
            rule_limit=limit_money(result.rule_limit),
            collateral=collateral_pieces(facts.collateral, day),
            lines=[],
            day=day,
        )
        if sized.refusal is not None:
            return None, sized.refusal.en
        priced = price(
            spec,
            sized.amount,
            application.term,
            method=method,
            start=day,
            lpr=self.lpr,
            pricing=result.pricing,
            coupon=None,
            caps=self._cap_profile,
        )
        if priced.refusals:
            return None, "; ".join(r.en for r in priced.refusals)
        return {
            "rate": priced.annual_rate,
            "amount": sized.amount,
            "term": application.term,
            "apr": priced.apr.disclosed()[0],
            "first_installment": priced.schedule.installments[0].total,
            "method": method.value,
        }, ""

    def _catalog(
        self, folders: tuple[Path, ...], library: RuleLibrary, engine: EngineName
    ) -> ProductCatalog | str:
        key = (folders, library.files, engine)
        if key not in self._catalogs:
            catalog, problems = load_catalog([*folders, *library.files])
            errors = [d for d in problems if d.severity == "error"]
            self._catalogs[key] = (
                f"the products in {', '.join(map(str, folders))} did not load: "
                + "; ".join(d.format() for d in errors[:3])
                if errors
                else ProductCatalog.from_catalog(catalog, engine=engine, lpr=self.lpr)
            )
        return self._catalogs[key]

    def _cap_profile(self, name: str) -> CapProfile:
        if name not in self._profiles:
            self._profiles[name] = load_profile(name)
        return self._profiles[name]


def run_scenario_paths(
    paths: Iterable[Path | str],
    *,
    engines: Sequence[str] | None = None,
    rules: Sequence[Path | str] = (),
    lpr: LprSeries | None = None,
    products: Sequence[Path] = (),
) -> ScenarioRun:
    """Load and run every scenario file under ``paths``: rule scenarios on the rules, product
    scenarios as production runs them (:class:`ProductScenarios`; ``products`` are the folders of
    their products, by default the ``products/`` folder above each scenario file)."""
    return run_paths(
        paths, engines=engines, rules=rules, products=ProductScenarios(lpr=lpr, products=products)
    )


__all__ = ["ProductScenarios", "run_scenario_paths"]

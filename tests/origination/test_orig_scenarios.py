"""Product scenarios run what production runs: one runner, one facts builder, origination's offer."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from orig_samples import NOW, ROOT, Keys, documents, individual, request, valid_id

from loanfactory.catalog import LoadedCatalog
from loanfactory.entity import SequentialIds
from loanfactory.facts import Applicant, ApplicationFacts, BureauReport, CollateralFacts, Facts
from loanfactory.lpr import LprSeries
from loanfactory.origination import (
    DocumentKind,
    DocumentSource,
    Origination,
    ProductScenarios,
    run_scenario_paths,
)
from loanfactory.origination._factsheet import collateral_kind, collateral_pieces, completed_facts
from loanfactory.origination._products import FlowResult, RulesDecider, catalog_products
from loanfactory.product import ProductCatalog
from loanfactory.rules import Outcome
from loanfactory.spec import CollateralType, ProductSpec
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc

D = Decimal
SCENARIOS = ROOT / "rules" / "scenarios"


def pmt(principal: Decimal, annual: Decimal, periods: int) -> Decimal:
    """The level installment by the textbook formula, in plain Decimal (independent of the engine)."""
    i = annual / 12
    return (principal * i / (1 - (1 + i) ** -periods)).quantize(D("0.01"), ROUND_HALF_UP)


@pytest.fixture(scope="module")
def products(catalog: LoadedCatalog) -> ProductCatalog:
    return ProductCatalog.from_catalog(catalog)


class Capturing:
    """The catalog's decider, keeping the facts origination built for each application."""

    def __init__(self, catalog: LoadedCatalog) -> None:
        self.decider = RulesDecider(catalog_products(catalog))
        self.facts: list[Facts] = []

    def __call__(self, spec: ProductSpec, facts: Facts) -> FlowResult:
        self.facts.append(facts)
        return self.decider(spec, facts)


def test_a_scenario_on_the_facts_origination_built_gives_the_offer_origination_made(
    catalog: LoadedCatalog, products: ProductCatalog, key: Keys
) -> None:
    capturing = Capturing(catalog)
    people = [valid_id(f"3101041988051212{n}") for n in range(3)]
    origination = Origination(
        store=MemoryStore(),
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas=dict.fromkeys(people, "prime")),  # type: ignore[arg-type]
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
        decider=capturing,
    )
    photos = {DocumentKind.id_card_front, DocumentKind.id_card_back}
    docs = tuple(
        d if d.kind in photos else d.model_copy(update={"source": DocumentSource.third_party})
        for d in documents(DocumentKind.id_card_front, DocumentKind.id_card_back, DocumentKind.income_proof)
    )
    for person, (term, amount) in zip(people, ((12, "80000"), (24, "150000"), (36, "30000")), strict=True):
        customer = origination.register_customer(individual(person, income="360000"), idempotency_key=key())
        result = origination.originate(
            request(customer.id, amount=amount, term=term, documents=docs), idempotency_key=key()
        )
        offer = result.offer
        assert offer is not None, result.explain("en")
        answer = ProductScenarios().answer(products.product("consumer_credit"), capturing.facts[-1])
        assert answer.offer is not None, answer.no_offer
        assert answer.offer["rate"] == offer.annual_rate
        assert answer.offer["amount"] == offer.amount
        assert answer.offer["first_installment"] == offer.first_payment
        assert answer.offer["apr"] == offer.apr.quantize(D("0.0001"), ROUND_HALF_UP)
        # and the rate is the documented one: the product's band + the grade's spread (by hand)
        band = {12: D("0.039"), 24: D("0.042"), 36: D("0.045")}[term]
        spread = {"A": D("0.005"), "B": D("0.012"), "C": D("0.025"), "D": D("0.04"), "E": D("0.06")}
        assert offer.annual_rate == band + spread[str(offer.grade)]


def test_scenario_facts_come_from_the_same_builder_as_origination(products: ProductCatalog) -> None:
    lpr = LprSeries.default()
    stated = Facts(as_of=date(2025, 7, 15), application=ApplicationFacts(amount=D(100000), term=12))
    credit = completed_facts(stated, products.product("consumer_credit").spec, lpr)
    assert credit.product is not None
    assert credit.product.base_rate == D("0.039")  # the 12-month band, not the headline 4.2 %
    assert credit.application is not None
    assert credit.application.repayment_method is not None
    mortgage = completed_facts(
        stated.model_copy(update={"application": ApplicationFacts(amount=D(1000000), term=240)}),
        products.product("home_mortgage").spec,
        lpr,
    )
    assert mortgage.product is not None
    assert mortgage.product.max_ltv == D("0.85")
    assert mortgage.product.lpr_tenor.value == "5y+"
    assert mortgage.product.base_rate == D("0.035") - D("0.0045")
    assert mortgage.application is not None
    assert mortgage.application.guarantee_type == "mortgage"


def test_every_shipped_scenario_passes_and_products_assert_offers() -> None:
    run = run_scenario_paths([SCENARIOS], engines=["compiled"])
    assert run.diagnostics == []
    assert run.failed == [], [d.format() for r in run.failed for d in r.diagnostics]
    offers = [r for r in run.results if r.scenario.target_kind == "product" and "offer" in r.scenario.expect]
    assert len(offers) >= 5
    assert all(r.offer is not None or r.scenario.expect["offer"].get("none") for r in offers)


def test_the_shipped_offer_figures_are_the_textbook_ones() -> None:
    """The installments written in rules/scenarios/products.yaml, recomputed by the annuity formula."""
    assert pmt(D(100000), D("0.042") + D("0.005"), 24) == D("4373.72")
    assert pmt(D(50000), D("0.042") + D("0.04"), 24) == D("2265.93")
    assert pmt(D(1500000), D("0.035") - D("0.0045"), 360) == D("6364.58")
    text = (SCENARIOS / "products.yaml").read_text(encoding="utf-8")
    for figure in ("4373.72", "2265.93", "6364.58", "rate: 4.7%", "rate: 8.2%", "rate: 3.05%"):
        assert figure in text


def _tmp_tree(tmp_path: Path, products: dict[str, str], rules: str | None, scenarios: str) -> Path:
    (tmp_path / "products").mkdir()
    (tmp_path / "rules" / "scenarios").mkdir(parents=True)
    for name, text in products.items():
        (tmp_path / "products" / f"{name}.yaml").write_text(text, encoding="utf-8")
    if rules is not None:
        (tmp_path / "rules" / "r.yaml").write_text(rules, encoding="utf-8")
    path = tmp_path / "rules" / "scenarios" / "s.yaml"
    path.write_text(scenarios, encoding="utf-8")
    return path


PRODUCT = """
code: {code}
name: 测试
status: online
effective: {{from: 2025-01-01}}
channels: [app]
segments: [individual]
purposes: [consumer]
amount: {{min: 1000, max: 1000000, step: 1000}}
term: {{allowed: [12]}}
rate: {{type: fixed, annual: "4.35%"{extra_rate}}}
repayment: {{methods: [annuity]}}
{extra}
"""


def test_an_ltv_limit_rule_reads_the_products_max_ltv_in_a_scenario(tmp_path: Path) -> None:
    product = PRODUCT.format(
        code="ltv_loan",
        extra_rate="",
        extra="guarantee: {types: [mortgage], collateral: [{type: real-estate, max_ltv: '70%'}]}\n"
        "rules: {limit: ltv_limit}",
    )
    rules = (
        "kind: rules\ndefinitions:\n  - id: ltv_limit\n    purpose: limit\n    rules:\n"
        "      - id: ltv\n        when: true\n"
        "        then: {set: {limit: 'sum(c.value for c in collateral) * product.max_ltv'}}\n"
    )
    scenarios = (
        "kind: scenarios\nscenarios:\n  - name: ltv\n    product: ltv_loan\n    given:\n"
        "      as_of: 2025-06-01\n      application: {amount: 900000, term: 12}\n"
        "      collateral: [{type: first_home, value: 1000000}]\n"
        "    expect: {values: {limit: 700000}, offer: {amount: 700000, rate: 4.35%}}\n"
    )
    run = run_scenario_paths([_tmp_tree(tmp_path, {"ltv_loan": product}, rules, scenarios)])
    assert run.failed == [], [d.format() for r in run.failed for d in r.diagnostics]
    assert len(run.results) == 2  # both engines


def test_an_absolute_rate_from_the_rules_is_what_is_offered(tmp_path: Path) -> None:
    product = PRODUCT.format(code="grade_loan", extra_rate="", extra="rules: {pricing: grade_rates}")
    rules = (
        "kind: rules\ndefinitions:\n  - id: grade_rates\n    purpose: pricing\n    hit_policy: UNIQUE\n"
        "    inputs: [vars.grade]\n    outputs: [rate]\n    rows:\n"
        "      - [A, 4.35%]\n      - [B, 5.5%]\n      - [C, 7.2%]\n      - [F, 0]\n"
    )
    scenarios = (
        "kind: scenarios\ndefaults: {as_of: 2025-06-01, application: {amount: 100000, term: 12}}\n"
        "scenarios:\n"
        "  - {name: B, product: grade_loan, given: {vars: {grade: B}}, expect: {offer: {rate: 5.5%}}}\n"
        "  - {name: C, product: grade_loan, given: {vars: {grade: C}}, expect: {offer: {rate: 7.2%}}}\n"
        "  - name: free\n    product: grade_loan\n    given: {vars: {grade: F}}\n"
        "    expect: {offer: {rate: 0, first_installment: 8333.33}}\n"
    )
    run = run_scenario_paths([_tmp_tree(tmp_path, {"grade_loan": product}, rules, scenarios)])
    assert run.failed == [], [d.format() for r in run.failed for d in r.diagnostics]
    assert (D(100000) / 12).quantize(D("0.01")) == D("8333.33")


def test_a_wrong_offer_fails_at_the_expectation_with_the_figures(tmp_path: Path) -> None:
    product = PRODUCT.format(code="plain", extra_rate="", extra="")
    scenarios = (
        "kind: scenarios\nscenarios:\n  - name: wrong\n    product: plain\n"
        "    given: {as_of: 2025-06-01, application: {amount: 100000, term: 12}}\n"
        "    expect:\n      offer: {rate: 4.5%, amount: 100000}\n"
    )
    path = _tmp_tree(tmp_path, {"plain": product}, None, scenarios)
    run = run_scenario_paths([path], engines=["compiled"])
    (result,) = run.results
    (d,) = result.diagnostics
    assert (d.code, d.line) == ("scenario-failed", 7)
    assert "rate 4.5% (got 0.0435)" in d.message


def test_hostile_scenarios_are_located_errors(tmp_path: Path) -> None:
    product = PRODUCT.format(code="plain", extra_rate="", extra="")
    scenarios = (
        "kind: scenarios\ndefaults: {as_of: 2025-06-01, application: {amount: 100000, term: 12}}\n"
        "scenarios:\n"
        "  - {name: a, product: plain, given: {product: {code: x, base_rate: 0.01}},\n"
        "     expect: {outcome: approve}}\n"
        "  - {name: b, rules: anything, expect: {offer: {rate: 4%}}}\n"
        "  - {name: c, product: plain, expect: {offer: {rat: 4%}}}\n"
        "  - {name: d, product: plain, expect: {offer: {none: true, rate: 4%}}}\n"
        "  - {name: e, product: plain, expect: {offer: []}}\n"
    )
    path = _tmp_tree(tmp_path, {"plain": product}, None, scenarios)
    run = run_scenario_paths([path])
    found = {(d.code, d.line, d.hint) for d in run.diagnostics}
    assert ("product-facts", 4, None) in found
    assert ("offer-needs-product", 6, None) in found
    assert ("unknown-key", 7, "did you mean 'rate'?") in found
    assert ("wrong-type", 8, None) in found
    assert ("wrong-type", 9, None) in found
    assert run.results == []


def test_a_product_scenario_without_an_application_or_with_unknown_collateral_fails_cleanly(
    tmp_path: Path,
) -> None:
    product = PRODUCT.format(code="plain", extra_rate="", extra="")
    scenarios = (
        "kind: scenarios\nscenarios:\n"
        "  - {name: a, product: plain, given: {as_of: 2025-06-01}, expect: {outcome: approve}}\n"
        "  - name: b\n    product: plain\n"
        "    given: {as_of: 2025-06-01, application: {amount: 100000, term: 12},"
        " collateral: [{type: spaceship, value: 1}]}\n"
        "    expect: {offer: {rate: 4.35%}}\n"
    )
    path = _tmp_tree(tmp_path, {"plain": product}, None, scenarios)
    run = run_scenario_paths([path], engines=["compiled"])
    messages = [d.message for r in run.results for d in r.diagnostics]
    assert any("states the application" in m for m in messages)
    assert any("'spaceship' names no kind of collateral" in m for m in messages)
    assert all(d.code == "scenario-error" for r in run.results for d in r.diagnostics)


def test_collateral_facts_map_back_to_kinds() -> None:
    assert collateral_kind("first_home") is CollateralType.real_estate
    assert collateral_kind("real_estate") is CollateralType.real_estate
    assert collateral_kind("shares") is CollateralType.equity
    assert collateral_kind("vehicle") is CollateralType.vehicle
    assert collateral_kind("yacht") is None
    (piece,) = collateral_pieces([CollateralFacts(type="deposit", value=D(5000))], date(2025, 1, 1))
    assert piece.value_on(date(2025, 1, 1)) == D(5000)


def test_one_runner_gives_origination_and_scenarios_the_same_decision(products: ProductCatalog) -> None:
    product = products.product("consumer_credit")
    facts = completed_facts(
        Facts(
            as_of=date(2025, 7, 15),
            applicant=Applicant(
                age=40, monthly_income=D(30000), region="BJ", debt_to_income=D("0.1"), employment_years=D(9)
            ),
            bureau=BureauReport(credit_score=800),
            application=ApplicationFacts.model_validate(
                {
                    "amount": 150000,
                    "term": 12,
                    "documents": [
                        {"type": "id_card", "verified": True},
                        {"type": "income_proof", "verified": True},
                    ],
                    "consents": [{"scope": "credit_inquiry"}, {"scope": "personal_info"}],
                }
            ),
        ),
        product.spec,
        product.lpr,
    )
    decision = product.decide(facts)
    flow = RulesDecider(products.products)(product.spec, facts)
    assert flow.route.value == decision.route.value == "approve"
    assert [s.step.value for s in flow.steps] == [s.purpose for s in decision.steps]
    assert flow.pricing.spread == decision.values["spread"] == D("0.005")
    whole = product.flow.evaluate(facts)
    assert whole.outcome is Outcome.approve
    assert whole.values == decision.values
    assert all("/" in f for f in whole.fired)


def test_the_rules_guide_product_scenario_passes(tmp_path: Path) -> None:
    import re

    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "offer:" in b)
    shutil.copytree(ROOT / "products", tmp_path / "products")
    folder = tmp_path / "rules" / "scenarios"
    folder.mkdir(parents=True)
    target = folder / "doc_example.yaml"
    target.write_text(block, encoding="utf-8")
    run = run_scenario_paths([target], rules=[ROOT / "rules"])
    assert run.results
    assert run.failed == []

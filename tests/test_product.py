"""Executable products: rules resolved and compiled once, decisions in flow order, quotes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from loanfactory.errors import InvalidInput, NotFound, SpecError, StateConflict
from loanfactory.facts import Applicant, ApplicationFacts, BureauReport, Facts
from loanfactory.product import ProductCatalog, parse_status
from loanfactory.rules import Outcome

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def catalog() -> ProductCatalog:
    return ProductCatalog.load([ROOT / "products", ROOT / "rules"])


def prime(**changes: object) -> Facts:
    applicant = {
        "age": 32,
        "monthly_income": Decimal(15000),
        "debt_to_income": Decimal("0.25"),
        "region": "SH",
        "employment_years": 6,
        "education": "master",
    }
    applicant.update(changes)
    return Facts(
        as_of=date(2025, 7, 15),
        applicant=Applicant.model_validate(applicant),
        application=ApplicationFacts.model_validate(
            {
                "amount": Decimal(100000),
                "term": 24,
                "documents": [
                    {"type": "id_card", "verified": True},
                    {"type": "income_proof", "verified": True},
                ],
                "consents": [{"scope": "credit_inquiry"}, {"scope": "personal_info"}],
            }
        ),
        bureau=BureauReport.model_validate(
            {"credit_score": 760, "inquiries_3m": 1, "card_utilization": Decimal("0.3")}
        ),
    )


def test_every_sample_product_loads_with_its_rules(catalog: ProductCatalog) -> None:
    assert len(catalog) == 8
    for product in catalog:
        assert product.rules, f"{product.code} has no rules"
        assert "eligibility" in product.rules


def test_a_prime_applicant_goes_through_every_step(catalog: ProductCatalog) -> None:
    decision = catalog.product("consumer_credit").decide(prime())
    assert decision.route is Outcome.approve
    assert [s.purpose for s in decision.steps] == [
        "eligibility",
        "pre_review",
        "scoring",
        "routing",
        "pricing",
        "limit",
        "tags",
    ]
    assert decision.values["grade"] == "A"
    assert decision.values["limit"] == Decimal(100000)
    assert decision.to_json()["route"] == "approve"


def test_a_rejection_stops_the_flow_and_gives_reasons(catalog: ProductCatalog) -> None:
    decision = catalog.product("consumer_credit").decide(prime(age=65))
    assert decision.rejected
    assert [s.purpose for s in decision.steps] == ["eligibility"]
    assert [r.code for r in decision.reasons] == ["AGE_OUT_OF_RANGE"]
    every = catalog.product("consumer_credit").decide(prime(age=65), stop_on_reject=False)
    assert len(every.steps) > 1
    assert every.route is Outcome.reject


def test_the_trace_says_what_each_rule_read(catalog: ProductCatalog) -> None:
    decision = catalog.product("consumer_credit").decide(prime(), trace=True)
    eligibility = decision.step("eligibility")
    assert eligibility is not None
    trace = eligibility.decision.trace
    assert trace
    assert any("applicant.age" in entry.reads for entry in trace)


def test_quote_uses_the_products_terms(catalog: ProductCatalog) -> None:
    quote = catalog.product("consumer_credit").quote(Decimal(50000), 12, start=date(2025, 7, 2))
    principal = sum((row.principal for row in quote.schedule.installments), Decimal(0))
    assert principal == Decimal(50000)
    assert quote.apr.nominal > 0
    with pytest.raises(InvalidInput) as info:
        catalog.product("consumer_credit").quote(Decimal(50000), 13)
    assert info.value.field == "term"


def test_unknown_product_suggests_the_closest(catalog: ProductCatalog) -> None:
    with pytest.raises(NotFound, match="consumer_credit"):
        catalog.product("consumer_credt")


def test_a_catalog_with_errors_refuses_to_start(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("code: bad\nrate: {type: fixed, annual: 4.9}\n", encoding="utf-8")
    with pytest.raises(SpecError) as info:
        ProductCatalog.load([tmp_path])
    assert all(d.file for d in info.value.diagnostics)


def test_inline_rules_in_a_product_are_compiled(tmp_path: Path) -> None:
    source = (ROOT / "products" / "consumer_credit.yaml").read_text(encoding="utf-8")
    inline = source.replace("code: consumer_credit", "code: inline_credit").replace(
        "  eligibility: retail_eligibility\n",
        "  eligibility:\n"
        "    rules:\n"
        "      - id: thirty_or_more\n"
        "        when: not (applicant.age >= 30)\n"
        "        then: {reject: AGE_OUT_OF_RANGE}\n",
    )
    assert inline != source
    (tmp_path / "inline_credit.yaml").write_text(inline, encoding="utf-8")
    catalog = ProductCatalog.load([tmp_path, ROOT / "products", ROOT / "rules"])
    product = catalog.product("inline_credit")
    assert product.decide(prime(age=29)).rejected
    assert product.decide(prime(age=31)).route is Outcome.approve


def test_products_without_their_rule_files_quote_but_do_not_decide() -> None:
    catalog = ProductCatalog.load([ROOT / "products"])
    product = catalog.product("consumer_credit")
    assert product.quote(Decimal(50000), 12).apr.nominal > 0
    with pytest.raises(InvalidInput, match="retail_eligibility") as info:
        product.decide(prime())
    assert info.value.field == "rules.eligibility"


def test_a_status_change_replaces_the_product_in_place_with_its_compiled_rules() -> None:
    catalog = ProductCatalog.load([ROOT / "products", ROOT / "rules"])
    live = catalog.products
    before = catalog.product("salary_loan")
    paused = catalog.set_status("salary_loan", "paused")
    assert live["salary_loan"] is paused  # the mapping handed out earlier sees the change
    assert paused.spec.status.value == "paused"
    assert before.spec.status.value == "online"
    assert paused.compiled("eligibility") is before.compiled("eligibility")
    assert paused.spec.model_copy(update={"status": before.spec.status}) == before.spec
    assert paused.quote(Decimal(50000), 12).schedule == before.quote(Decimal(50000), 12).schedule
    assert catalog.set_status("salary_loan", "paused") is paused  # staying put changes nothing
    assert [p.code for p in catalog.sellable(date(2025, 8, 1))].count("salary_loan") == 0


@pytest.mark.parametrize(
    ("moves", "refused"),
    [
        (["paused", "online", "offline"], "online"),
        (["offline"], "paused"),
        (["paused"], "draft"),
    ],
)
def test_status_moves_follow_the_table(moves: list[str], refused: str) -> None:
    catalog = ProductCatalog.load([ROOT / "products", ROOT / "rules"])
    for status in moves:
        catalog.set_status("auto_loan", status)
    with pytest.raises(StateConflict) as conflict:
        catalog.set_status("auto_loan", refused)
    assert conflict.value.field == "status"
    assert conflict.value.message_zh
    assert catalog.product("auto_loan").spec.status.value == moves[-1]
    restored = catalog.set_status("auto_loan", refused, check=False)  # a recorded status is taken as is
    assert restored.spec.status.value == refused


def test_unknown_statuses_and_products_are_refused() -> None:
    catalog = ProductCatalog.load([ROOT / "products", ROOT / "rules"])
    with pytest.raises(InvalidInput) as bad:
        catalog.set_status("auto_loan", "closed")
    assert bad.value.field == "status"
    with pytest.raises(NotFound):
        catalog.check_status("auto_lone", "paused")
    assert parse_status("online").value == "online"

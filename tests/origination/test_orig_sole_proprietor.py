"""个体工商户 (sole proprietors): registered with the operator and the business licence, verified on
both, asked for both documents, seen by the rules as ``applicant.kind == "sole_proprietor"`` with
the operator's and the business's facts, and served by products that target them."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from orig_samples import LI_ID, NOW, ROOT, Keys, documents, individual, request, valid_code
from pydantic import ValidationError

from loanfactory.catalog import load_catalog
from loanfactory.entity import SequentialIds
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.origination import (
    BusinessLicence,
    CustomerType,
    DocumentKind,
    Origination,
    SoleProprietorProfile,
)
from loanfactory.origination._factsheet import applicant_facts
from loanfactory.ports import KycCheck
from loanfactory.product import ProductCatalog
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc

SHOP = valid_code("9231010476543210")  # 92: registered by market regulation (9) as a sole proprietor (2)
SHOP_RULES = """\
kind: rules
reasons:
  NOT_A_SHOP: {en: This product is for sole proprietors, zh: 本产品仅面向个体工商户}
  TOO_YOUNG: {en: The business must have operated for a year, zh: 经营须满 1 年}
  TURNOVER: {en: Turnover must be at least 500000 yuan, zh: 年营业额须不低于 50 万元}
  AGE: {en: The operator must be 18 to 60, zh: 经营者年龄须在 18 至 60 周岁之间}
definitions:
  - id: shop_eligibility              # 个体工商户准入：经营满 1 年、年营业额不低于 50 万元、经营者 18–60 周岁
    purpose: eligibility
    rules:
      - {id: shop_only, when: 'applicant.kind != "sole_proprietor"', then: {reject: NOT_A_SHOP}}
      - {id: years, when: not (applicant.years_in_business >= 1), then: {reject: TOO_YOUNG}}
      - {id: turnover, when: not (applicant.annual_revenue >= 500000), then: {reject: TURNOVER}}
      - {id: age, when: not (18 <= applicant.age <= 60), then: {reject: AGE}}
"""
SECOND_SHOP = valid_code("9244030012345678")
THIRD_SHOP = valid_code("9211010087654321")
FIRM = valid_code("9131010476543210")  # 91: a company


def shop(code: str = SHOP, **changes: object) -> SoleProprietorProfile:
    business = {
        "credit_code": code,
        "name": "上海市浦东新区李娜便利店",
        "established_on": date(2019, 4, 1),
        "industry": "零售业",
        "annual_revenue": Decimal("1800000"),
        "employees": 3,
        **changes,
    }
    return SoleProprietorProfile(operator=individual(LI_ID, "李娜"), business=BusinessLicence(**business))  # type: ignore[arg-type]


@pytest.fixture
def origination(tmp_path: Path) -> Origination:
    products = tmp_path / "products"
    shutil.copytree(ROOT / "products" / "templates", products / "templates")
    shutil.copytree(ROOT / "products" / "fragments", products / "fragments")
    text = (ROOT / "products" / "consumer_credit.yaml").read_text(encoding="utf-8")
    text = (
        text.replace("code: consumer_credit", "code: shop_loan")
        .replace("segments: [individual]", "segments: [sole-proprietor]")
        .replace("eligibility: retail_eligibility", "eligibility: shop_eligibility")
    )
    (products / "shop_loan.yaml").write_text(text, encoding="utf-8")
    shutil.copy(ROOT / "products" / "consumer_credit.yaml", products / "consumer_credit.yaml")
    (tmp_path / "shop_rules.yaml").write_text(SHOP_RULES, encoding="utf-8")
    catalog, problems = load_catalog([products, ROOT / "rules", tmp_path / "shop_rules.yaml"])
    assert not [p for p in problems if p.severity == "error"], [p.format() for p in problems]
    return Origination(
        store=MemoryStore(),
        catalog=ProductCatalog.from_catalog(catalog),
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas={LI_ID: "prime"}),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
    )


def test_a_sole_proprietor_is_verified_as_a_person_and_as_a_business(
    origination: Origination, key: Keys
) -> None:
    customer = origination.register_customer(shop(), idempotency_key=key())
    assert customer.type is CustomerType.sole_proprietor
    assert customer.business is not None
    assert customer.individual is not None
    assert customer.name == "李娜"  # the operator answers for the loan
    checks = [r.check for r in customer.kyc]
    assert checks[0] is KycCheck.business_licence
    assert {KycCheck.id_card, KycCheck.face_match, KycCheck.bank_card_four} <= set(checks)
    assert all(r.passed for r in customer.kyc)
    assert SHOP not in repr(customer)  # the licence number is masked like any identity


def test_a_company_code_is_not_a_sole_proprietors_licence() -> None:
    with pytest.raises(ValidationError) as caught:
        shop(FIRM)
    assert "92" in str(caught.value)


def test_registering_from_a_mapping_and_a_second_time(origination: Origination, key: Keys) -> None:
    data = shop().model_dump(mode="json")
    customer = origination.register_customer(data, idempotency_key=key())
    assert customer.type is CustomerType.sole_proprietor
    with pytest.raises(StateConflict, match="already registered"):
        origination.register_customer(shop(), idempotency_key=key())
    person = origination.register_customer(individual(LI_ID, "李娜"), idempotency_key=key())
    assert person.type is CustomerType.individual  # the same person may also bank privately


def test_the_rules_see_the_operator_and_the_business(origination: Origination, key: Keys) -> None:
    customer = origination.register_customer(shop(), idempotency_key=key())
    facts = applicant_facts(customer, date(2025, 8, 1), existing=False)
    assert facts.kind == "sole_proprietor"
    assert facts.name == "上海市浦东新区李娜便利店"
    assert facts.age == 37  # the operator's, from the ID number
    assert facts.monthly_income == Decimal("20000.00")
    assert facts.industry == "零售业"
    assert facts.annual_revenue == Decimal("1800000")
    assert facts.years_in_business == Decimal("6.34")  # 2,314 days / 365.25, as for enterprises


def test_a_product_for_sole_proprietors_asks_for_the_licence_and_serves_them(
    origination: Origination, key: Keys
) -> None:
    customer = origination.register_customer(shop(), idempotency_key=key())
    without = origination.originate(request(customer.id, product="shop_loan"), idempotency_key=key())
    assert without.outcome == "info_requested", without.explain("en")
    assert [r.code for r in without.application.reasons] == ["pre_review.document-missing"]
    assert "business licence" in without.application.reasons[0].en
    docs = documents(DocumentKind.id_card_front, DocumentKind.id_card_back, DocumentKind.business_licence)
    second = origination.register_customer(shop(SECOND_SHOP), idempotency_key=key())  # the same operator
    result = origination.originate(
        request(second.id, product="shop_loan", documents=docs), idempotency_key=key()
    )
    assert result.outcome == "approved", result.explain("en")
    young = origination.register_customer(
        shop(THIRD_SHOP, established_on=date(2025, 3, 1)), idempotency_key=key()
    )
    refused = origination.originate(
        request(young.id, product="shop_loan", documents=docs), idempotency_key=key()
    )
    assert refused.outcome == "rejected"
    assert [r.en for r in refused.application.reasons] == ["The business must have operated for a year"]
    with pytest.raises(InvalidInput, match="not offered to sole-proprietor") as caught:
        origination.originate(request(customer.id), idempotency_key=key())
    assert "个体工商户" in caught.value.localized("zh")

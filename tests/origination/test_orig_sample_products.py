"""The sample products with their real rule files: consumer_credit and micro_business end to end."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest
from orig_samples import (
    CHEN_ID,
    ENTERPRISE_DOCS,
    HUAWEI,
    LI_ID,
    NOW,
    ROOT,
    Keys,
    documents,
    enterprise,
    individual,
    request,
    valid_id,
)

from loanfactory.catalog import LoadedCatalog
from loanfactory.entity import SequentialIds
from loanfactory.origination import (
    Customer,
    DecisionRecord,
    DocumentKind,
    DocumentSource,
    Origination,
    ReviewTask,
    SupportingDocument,
)
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc

CHENGDU = valid_id("51010719930722102")  # Sichuan: outside the regions the sample rules serve
NEAR = valid_id("32010219850615002")


@pytest.fixture
def origination(catalog: LoadedCatalog, notifier: RecordingNotifier) -> Origination:
    if not catalog.rule_libraries:
        pytest.skip("the sample rule files are not in rules/")
    personas = {LI_ID: "prime", CHEN_ID: "severe", CHENGDU: "prime", NEAR: "near-prime", HUAWEI: "prime"}
    return Origination(
        store=MemoryStore(),
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas=personas),  # type: ignore[arg-type]
        notifier=notifier,
        clock=FixedClock(NOW),
        ids=SequentialIds(),
    )


def verified_documents(*kinds: DocumentKind) -> tuple[SupportingDocument, ...]:
    """ID copies as photos (vouched for by the KYC check), everything else as authorised third-party data."""
    photos = {
        DocumentKind.id_card_front,
        DocumentKind.id_card_back,
        DocumentKind.business_licence,
        DocumentKind.legal_rep_id,
    }
    return tuple(
        d.model_copy(update={"source": DocumentSource.third_party}) if d.kind not in photos else d
        for d in documents(*kinds)
    )


RETAIL_DOCS = (DocumentKind.id_card_front, DocumentKind.id_card_back, DocumentKind.income_proof)


def test_a_prime_individual_is_approved_by_the_rules(origination: Origination, key: Keys) -> None:
    customer = origination.register_customer(individual(income="360000"), idempotency_key=key())
    result = origination.originate(
        request(customer.id, amount="80000", documents=verified_documents(*RETAIL_DOCS)),
        idempotency_key=key(),
    )
    assert result.outcome == "approved", result.explain("en")
    offer = result.offer
    assert offer is not None
    assert offer.grade in ("A", "B")
    spread = {"A": Decimal("0.005"), "B": Decimal("0.012")}[offer.grade]
    assert offer.annual_rate == Decimal("0.039") + spread  # the product's 12-month rate + the grade spread
    line = origination.line_of(customer.id)
    assert line is not None
    assert line.total == Decimal("200000")  # what the limit rules allow at the product maximum
    assert line.available == Decimal("120000")
    records = origination.list(DecisionRecord, application_id=result.application.id)
    scoring = next(r for r in records if r.step.value == "scoring")
    assert scoring.rule_set == "retail_scorecard"
    assert scoring.trace
    assert scoring.values["grade"] == offer.grade
    assert "优质客户" in origination.get(Customer, customer.id).tag_names


def test_rejections_carry_the_rule_reasons(origination: Origination, key: Keys) -> None:
    severe = origination.register_customer(individual(CHEN_ID, "陈晨"), idempotency_key=key())
    result = origination.originate(
        request(severe.id, documents=verified_documents(*RETAIL_DOCS)), idempotency_key=key()
    )
    assert result.outcome == "rejected"
    assert "SEVERE_RECORD" in {r.code for r in result.reasons}
    far = origination.register_customer(individual(CHENGDU, "赵敏"), idempotency_key=key())
    result = origination.originate(
        request(far.id, documents=verified_documents(*RETAIL_DOCS)), idempotency_key=key()
    )
    assert [r.code for r in result.reasons] == ["REGION_NOT_SERVED"]
    assert result.reasons[0].zh == "暂未在申请人所在地区开展业务"


def test_unverified_documents_send_the_application_to_a_reviewer(origination: Origination, key: Keys) -> None:
    customer = origination.register_customer(individual(), idempotency_key=key())
    result = origination.originate(
        request(customer.id, documents=documents(*RETAIL_DOCS)), idempotency_key=key()
    )
    assert result.outcome == "manual_review"
    assert "UNVERIFIED_DOCUMENTS" in {r.code for r in result.reasons}
    assert origination.list(ReviewTask, application_id=result.application.id, status="open")


def test_an_enterprise_goes_through_the_enterprise_rules(origination: Origination, key: Keys) -> None:
    firm = origination.register_customer(
        enterprise(previous_revenue=Decimal("14000000"), total_assets=Decimal("20000000"), tax_rating="A"),
        idempotency_key=key(),
    )
    docs = verified_documents(*ENTERPRISE_DOCS, DocumentKind.bank_statement)
    small = origination.originate(
        request(firm.id, product="micro_business", amount="180000", purpose="business", documents=docs),
        idempotency_key=key(),
    )
    assert small.outcome == "approved", small.explain("en")
    assert small.offer is not None
    assert small.offer.rate_breakdown[0].name == "lpr-1y"
    tags = origination.get(Customer, firm.id).tag_names
    assert "高成长性企业" in tags and "稳定经营企业" in tags  # noqa: PT018 - both tags from one rule run


def test_a_large_enterprise_loan_goes_to_review(origination: Origination, key: Keys) -> None:
    firm = origination.register_customer(
        enterprise(previous_revenue=Decimal("16000000"), total_assets=Decimal("20000000"), tax_rating="B"),
        idempotency_key=key(),
    )
    docs = verified_documents(*ENTERPRISE_DOCS, DocumentKind.bank_statement)
    large = origination.originate(
        request(firm.id, product="micro_business", amount="1500000", purpose="business", documents=docs),
        idempotency_key=key(),
    )
    assert large.outcome == "manual_review"
    assert "LARGE_AMOUNT" in {r.code for r in large.reasons}


def test_recommendations_leave_out_the_bureau_rules(origination: Origination, key: Keys) -> None:
    customer = origination.register_customer(individual(CHENGDU, "赵敏"), idempotency_key=key())
    ranked = origination.recommend(
        customer.id, {"amount": "50000", "term": 12, "purpose": "consumer", "channel": "app"}
    )
    consumer = next(r for r in ranked if r.code == "consumer_credit")
    assert not consumer.eligible
    assert [r.code for r in consumer.reasons] == [
        "REGION_NOT_SERVED"
    ]  # no CREDIT_SCORE_TOO_LOW without a report


def test_the_batch_example_runs() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "origination_batch.py"), "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "✔" in out and "✘" in out and "…" in out  # noqa: PT018 - approved, rejected and reviewed lines
    assert "APR" in out
    assert "Credit lines:" in out
    assert "notifications sent" in out
    assert "2026-08-01" in out  # lines granted for 12 months from the business date

"""The whole flow on the scripted decider: routes, records, offers, review, lines, coupons, notices."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from orig_decider import scripted
from orig_samples import (
    CHEN_ID,
    ENTERPRISE_DOCS,
    HUAWEI,
    LI_ID,
    NOW,
    ZHAO_ID,
    Keys,
    documents,
    enterprise,
    individual,
    request,
    valid_id,
)

from loanfactory.catalog import LoadedCatalog
from loanfactory.entity import SequentialIds
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.origination import (
    Application,
    ApplicationStatus,
    Campaign,
    CampaignInput,
    CollateralInput,
    Coupon,
    CouponStatus,
    CreditLine,
    Customer,
    DecisionRecord,
    DecisionStep,
    DocumentKind,
    LimitSource,
    LineOccupation,
    OccupationStatus,
    Offer,
    OfferStatus,
    Origination,
    ReviewStage,
    ReviewTask,
    ReviewTaskStatus,
    Valuation,
    ValuationSource,
)
from loanfactory.spec import CollateralType, LoanPurpose
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc

NEAR_ID = valid_id("32010219850615002")  # a near-prime applicant: grade B, manual review
PRIME_2 = valid_id("11010819800101001")


@pytest.fixture
def bureau() -> SimulatedBureau:
    personas = {
        LI_ID: "prime",
        CHEN_ID: "severe",
        ZHAO_ID: "subprime",
        HUAWEI: "prime",
        NEAR_ID: "near-prime",
        PRIME_2: "prime",
    }
    return SimulatedBureau(personas=personas)  # type: ignore[arg-type]


@pytest.fixture
def origination(
    store: MemoryStore,
    catalog: LoadedCatalog,
    kyc: SimulatedKyc,
    bureau: SimulatedBureau,
    notifier: RecordingNotifier,
    clock: FixedClock,
) -> Origination:
    return Origination(
        store=store,
        catalog=catalog,
        kyc=kyc,
        bureau=bureau,
        notifier=notifier,
        clock=clock,
        ids=SequentialIds(),
        decider=scripted,
    )


def apply(origination: Origination, key: Keys, id_number: str = LI_ID, name: str = "李娜", **changes: object):  # type: ignore[no-untyped-def]
    customer = origination.register_customer(individual(id_number, name), idempotency_key=key("reg"))
    return customer, origination.originate(request(customer.id, **changes), idempotency_key=key("app"))


def test_a_prime_applicant_gets_a_priced_offer_and_a_line(
    origination: Origination, notifier: RecordingNotifier, key: Keys
) -> None:
    customer, result = apply(origination, key)
    assert result.outcome == "approved", result.explain("en")
    offer = result.offer
    assert offer is not None
    assert offer.amount == Decimal("50000")
    assert offer.annual_rate == Decimal("0.039")  # the 12-month band, grade A adds nothing
    assert Decimal("0.038") < offer.apr < Decimal("0.041")
    assert offer.periods == 12
    assert len(offer.schedule_preview) == 12
    assert sum(r.principal for r in offer.schedule_preview) == offer.amount
    assert offer.apr_cap == Decimal("0.18")
    line = origination.line_of(customer.id)
    assert line is not None
    assert line.occupied == offer.amount
    assert {c.source for c in offer.limit_breakdown} == {LimitSource.product_max, LimitSource.rule}
    steps = {r.step for r in origination.list(DecisionRecord, application_id=result.application.id)}
    assert {
        DecisionStep.pre_review,
        DecisionStep.scoring,
        DecisionStep.routing,
        DecisionStep.limit,
        DecisionStep.pricing,
    } <= steps
    assert origination.get(Customer, customer.id).tag_names == ("优质客户",)
    origination.relay_notifications()
    notice = notifier.to(customer.id)[-1]
    assert notice.template == "approval_result"
    assert "年化利率" in notice.body
    assert notice.data["amount"] == "50000.00"


def test_a_severe_bureau_record_rejects_with_reasons_in_both_languages(
    origination: Origination, notifier: RecordingNotifier, key: Keys
) -> None:
    customer, result = apply(origination, key, CHEN_ID, "陈晨")
    assert result.outcome == "rejected"
    assert result.reasons[0].code == "pre_review.severe-record"
    assert "严重不良记录" in result.explain("zh")
    assert "severe" in result.explain("en")
    record = origination.list(DecisionRecord, application_id=result.application.id, step="pre_review")[0]
    assert record.fired_rules == ("test_pre_review.severe",)
    assert record.trace
    assert origination.line_of(customer.id) is None
    origination.relay_notifications()
    assert notifier.to(customer.id)[-1].template == "rejection"


def test_replaying_an_assessment_changes_nothing(
    origination: Origination, store: MemoryStore, key: Keys
) -> None:
    customer = origination.register_customer(individual(), idempotency_key=key("reg"))
    app = origination.submit_application(request(customer.id), idempotency_key=key("app"))
    first = origination.assess(app.id, idempotency_key="assess-1")
    records = len(origination.list(DecisionRecord, application_id=app.id))
    again = origination.assess(app.id, idempotency_key="assess-1")
    assert again == first
    assert len(origination.list(DecisionRecord, application_id=app.id)) == records
    assert len(origination.list(Offer)) == 1
    with pytest.raises(StateConflict) as caught:  # a new key on an assessed application
        origination.assess(app.id, idempotency_key="assess-2")
    assert caught.value.code == "not-submitted"


def test_an_unreachable_bureau_leaves_the_application_submitted(
    store: MemoryStore, catalog: LoadedCatalog, key: Keys
) -> None:
    service = Origination(
        store=store,
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(unavailable_for={LI_ID}),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
        decider=scripted,
    )
    customer = service.register_customer(individual(), idempotency_key=key("reg"))
    app = service.submit_application(request(customer.id), idempotency_key=key("app"))
    with pytest.raises(StateConflict) as caught:
        service.assess(app.id, idempotency_key="assess-1")
    assert caught.value.code == "bureau-unavailable"
    assert service.get(Application, app.id).status is ApplicationStatus.submitted
    assert service.list(DecisionRecord, application_id=app.id) == []


def test_failed_kyc_is_a_pre_review_rejection(store: MemoryStore, catalog: LoadedCatalog, key: Keys) -> None:
    service = Origination(
        store=store,
        catalog=catalog,
        kyc=SimulatedKyc(failing_ids={LI_ID}),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
        decider=scripted,
    )
    _, result = apply(service, key)
    assert result.outcome == "rejected"
    assert {r.code for r in result.reasons} == {"pre_review.kyc-id-card", "pre_review.no-verified-account"}


def test_missing_documents_return_the_application_then_it_goes_on(
    origination: Origination, notifier: RecordingNotifier, key: Keys
) -> None:
    customer, result = apply(
        origination, key, documents=documents(DocumentKind.id_card_front), amount="50000"
    )
    assert result.outcome == "info_requested"
    assert result.missing == ("身份证国徽面",)
    origination.relay_notifications()
    assert notifier.to(customer.id)[-1].template == "returned"
    supplied = origination.supply_information(
        result.application.id, documents(DocumentKind.id_card_back), idempotency_key=key()
    )
    assert supplied.application.status is ApplicationStatus.submitted
    assert supplied.task is None
    again = origination.assess(result.application.id, idempotency_key=key())
    assert again.outcome == "approved"


def test_manual_review_takes_two_people(
    origination: Origination, notifier: RecordingNotifier, key: Keys
) -> None:
    _customer, result = apply(origination, key, NEAR_ID, "周静")
    assert result.outcome == "manual_review"
    first = result.task
    assert first is not None
    assert first.stage is ReviewStage.first
    origination.relay_notifications()
    assert "review_task" in notifier.templates()
    assert "application_pending" in notifier.templates()
    with pytest.raises(StateConflict):  # must be claimed first
        origination.approve_task(first.id, "alice", role="officer", idempotency_key=key())
    origination.claim_task(first.id, "alice", role="officer", idempotency_key=key())
    with pytest.raises(StateConflict):
        origination.claim_task(first.id, "bob", role="senior_officer", idempotency_key=key())
    origination.note_task(first.id, "alice", "收入流水与申报一致", idempotency_key=key())
    step = origination.approve_task(first.id, "alice", role="officer", idempotency_key=key())
    second = step.next_task
    assert second is not None
    assert second.stage is ReviewStage.second
    assert second.excluded == ("alice",)
    with pytest.raises(StateConflict) as caught:  # a plain officer does no 复审 ...
        origination.claim_task(second.id, "alice", role="officer", idempotency_key=key())
    assert caught.value.code == "duty-role"
    with pytest.raises(StateConflict) as caught:  # ... nor does the 初审 reviewer in a senior role
        origination.claim_task(second.id, "alice", role="senior_officer", idempotency_key=key())
    assert caught.value.code == "four-eyes"
    origination.claim_task(second.id, "bob", role="senior_officer", idempotency_key=key())
    done = origination.approve_task(
        second.id, "bob", role="senior_officer", approved_amount="30000", idempotency_key=key()
    )
    assert done.offer is not None
    assert done.offer.amount == Decimal("30000")
    assert done.offer.annual_rate == Decimal("0.049")  # grade B: +100bp
    assert done.application.status is ApplicationStatus.offered
    reviews = origination.list(DecisionRecord, application_id=result.application.id, step="manual_review")
    assert [r.actor for r in reviews] == ["alice", "bob"]


def test_a_reviewer_rejects_or_returns(
    origination: Origination, notifier: RecordingNotifier, key: Keys
) -> None:
    customer, result = apply(origination, key, NEAR_ID, "周静")
    task = result.task
    assert task is not None
    origination.claim_task(task.id, "alice", role="officer", idempotency_key=key())
    with pytest.raises(InvalidInput):
        origination.return_task(task.id, "alice", role="officer", missing=(), idempotency_key=key())
    back = origination.return_task(
        task.id, "alice", role="officer", missing=("近 6 个月银行流水",), idempotency_key=key()
    )
    assert back.application.status is ApplicationStatus.info_requested
    again = origination.supply_information(
        result.application.id, documents(DocumentKind.bank_statement), idempotency_key=key()
    )
    assert again.task is not None
    assert again.task.stage is ReviewStage.first
    assert again.task.round == 1
    origination.claim_task(again.task.id, "carol", role="officer", idempotency_key=key())
    with pytest.raises(InvalidInput):
        origination.reject_task(
            again.task.id, "carol", role="officer", reasons=("no-such-reason",), idempotency_key=key()
        )
    rejected = origination.reject_task(
        again.task.id,
        "carol",
        role="officer",
        reasons=("income-unverified",),
        note="流水显示收入低于申报",
        idempotency_key=key(),
    )
    assert rejected.application.status is ApplicationStatus.rejected
    assert rejected.task is not None
    assert rejected.task.status is ReviewTaskStatus.rejected
    origination.relay_notifications()
    last = notifier.to(customer.id)[-1]
    assert last.template == "rejection"
    assert "申报收入无法核实" in last.body


def test_offers_are_accepted_declined_or_lapse(
    origination: Origination, clock: FixedClock, key: Keys
) -> None:
    customer, result = apply(origination, key)
    assert result.offer is not None
    declined = origination.decline_offer(result.offer.id, idempotency_key=key())
    assert declined.status is OfferStatus.declined
    line = origination.line_of(customer.id)
    assert line is not None
    assert line.occupied == 0
    with pytest.raises(StateConflict):
        origination.accept_offer(result.offer.id, idempotency_key=key())
    second = origination.originate(request(customer.id, amount="20000"), idempotency_key=key("app"))
    assert second.offer is not None
    clock.advance(timedelta(days=8))
    with pytest.raises(StateConflict) as caught:
        origination.accept_offer(second.offer.id, idempotency_key=key())
    assert caught.value.code == "offer-expired"
    lapsed = origination.expire_offers(idempotency_key="eod-1")
    assert [o.id for o in lapsed] == [second.offer.id]
    assert origination.get(Application, second.application.id).status is ApplicationStatus.expired
    third = origination.originate(request(customer.id, amount="30000"), idempotency_key=key("app"))
    assert third.offer is not None
    accepted = origination.accept_offer(third.offer.id, idempotency_key=key())
    assert accepted.status is OfferStatus.accepted
    occupations = origination.list(LineOccupation, reference=third.offer.id)
    assert occupations[0].status is OccupationStatus.active


def test_a_coupon_lowers_the_rate_within_the_campaign_budget(origination: Origination, key: Keys) -> None:
    customer = origination.register_customer(individual(), idempotency_key=key("reg"))
    campaign = origination.launch_campaign(
        CampaignInput.model_validate(
            {
                "code": "summer",
                "name": {"zh": "夏日优惠"},
                "rate_discount_bp": 50,
                "interest_free_days": 30,
                "valid_from": date(2025, 7, 1),
                "valid_to": date(2025, 9, 30),
                "budget": "2000",
            }
        ),
        idempotency_key=key(),
    )
    coupon = origination.issue_coupon("summer", customer.id, idempotency_key=key())
    result = origination.originate(request(customer.id, coupon_id=coupon.id), idempotency_key=key("app"))
    offer = result.offer
    assert offer is not None
    assert offer.coupon_id == coupon.id
    assert offer.annual_rate == Decimal("0.034")
    assert offer.interest_free_days == 30
    assert offer.subsidy > 0
    plain = origination.originate(
        request(origination.register_customer(individual(PRIME_2, "马超"), idempotency_key=key("reg")).id),
        idempotency_key=key("app"),
    )
    assert plain.offer is not None
    assert offer.first_payment < plain.offer.first_payment
    held = origination.get(Campaign, campaign.id)
    assert held.reserved == offer.subsidy
    origination.accept_offer(offer.id, idempotency_key=key())
    spent = origination.get(Campaign, campaign.id)
    assert (spent.reserved, spent.spent) == (0, offer.subsidy)
    assert origination.get(Coupon, coupon.id).status is CouponStatus.redeemed


def test_an_exhausted_budget_prices_without_the_coupon(origination: Origination, key: Keys) -> None:
    customer = origination.register_customer(individual(), idempotency_key=key("reg"))
    origination.launch_campaign(
        CampaignInput.model_validate(
            {
                "code": "tiny",
                "name": {"zh": "小额优惠"},
                "rate_discount_bp": 50,
                "valid_from": date(2025, 7, 1),
                "valid_to": date(2025, 9, 30),
                "budget": "10",
            }
        ),
        idempotency_key=key(),
    )
    coupon = origination.issue_coupon("tiny", customer.id, idempotency_key=key())
    result = origination.originate(request(customer.id, coupon_id=coupon.id), idempotency_key=key("app"))
    assert result.offer is not None
    assert result.offer.coupon_id is None
    assert result.offer.annual_rate == Decimal("0.039")
    assert any(r.code == "campaign.budget" for r in result.offer.reasons)
    assert origination.get(Coupon, coupon.id).status is CouponStatus.issued


def test_a_mortgage_is_limited_by_the_collateral(origination: Origination, key: Keys) -> None:
    customer = origination.register_customer(individual(income="1000000"), idempotency_key=key("reg"))
    house = origination.register_collateral(
        CollateralInput(
            customer_id=customer.id,
            type=CollateralType.real_estate,
            description="北京市朝阳区住宅 89 平方米",
            identifier="京(2025)朝阳区不动产权第0099999号",
            valuation=Valuation(
                value=Decimal("2000000"), valued_on=date(2025, 7, 15), source=ValuationSource.appraiser
            ),
        ),
        idempotency_key=key(),
    )
    docs = documents(
        DocumentKind.id_card_front,
        DocumentKind.id_card_back,
        DocumentKind.income_proof,
        DocumentKind.purchase_contract,
    )
    result = origination.originate(
        request(
            customer.id,
            product="home_mortgage",
            amount="1800000",
            term=360,
            purpose=LoanPurpose.housing,
            channel="branch",
            documents=docs,
            collateral_ids=(house.id,),
        ),
        idempotency_key=key("app"),
    )
    assert result.outcome == "approved", result.explain("en")
    offer = result.offer
    assert offer is not None
    assert offer.amount == Decimal("1700000")
    assert {c.source: c.amount for c in offer.limit_breakdown}[LimitSource.collateral] == Decimal(
        "1700000.00"
    )
    assert any(r.code == "limit.reduced" for r in offer.reasons)
    line = origination.line_of(customer.id)
    assert line is not None
    assert line.collateral_ids == (house.id,)


def test_a_mortgage_without_collateral_is_rejected(origination: Origination, key: Keys) -> None:
    docs = documents(
        DocumentKind.id_card_front,
        DocumentKind.id_card_back,
        DocumentKind.income_proof,
        DocumentKind.purchase_contract,
    )
    _, result = apply(
        origination,
        key,
        product="home_mortgage",
        amount="1000000",
        term=240,
        purpose=LoanPurpose.housing,
        channel="branch",
        documents=docs,
    )
    assert result.outcome == "rejected"
    assert result.reasons[0].code == "pre_review.collateral-missing"


def test_an_enterprise_gets_a_business_loan(origination: Origination, key: Keys) -> None:
    firm = origination.register_customer(enterprise(), idempotency_key=key("reg"))
    result = origination.originate(
        request(
            firm.id,
            product="micro_business",
            amount="1000000",
            term=12,
            purpose=LoanPurpose.business,
            documents=documents(*ENTERPRISE_DOCS),
        ),
        idempotency_key=key("app"),
    )
    assert result.outcome == "approved", result.explain("en")
    assert result.offer is not None
    assert result.offer.fees[0].kind == "guarantee"
    assert result.offer.rate_breakdown[0].name == "lpr-1y"


def test_a_low_rule_limit_is_an_explained_rejection(origination: Origination, key: Keys) -> None:
    customer = origination.register_customer(
        individual(PRIME_2, "钱少", income="300"), idempotency_key=key("reg")
    )
    poor = origination.originate(request(customer.id), idempotency_key=key("app"))
    assert poor.outcome == "rejected"
    assert poor.reasons[0].code == "limit.rule"


def test_an_apr_above_the_product_ceiling_is_refused(catalog: LoadedCatalog, key: Keys) -> None:
    specs = dict(catalog.products)
    spec = specs["consumer_credit"]
    specs["consumer_credit"] = spec.model_copy(
        update={"compliance": spec.compliance.model_copy(update={"apr_limit": Decimal("0.03")})}
    )
    service = Origination(
        store=MemoryStore(),
        catalog=specs,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas={LI_ID: "prime"}),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
        decider=scripted,
    )
    _, result = apply(service, key)
    assert result.outcome == "rejected"
    assert result.reasons[0].code == "compliance.apr-above-cap"
    assert service.line_of(result.application.customer_id) is None


def test_every_state_change_has_an_event_and_an_audit_record(
    origination: Origination, store: MemoryStore, key: Keys
) -> None:
    _, result = apply(origination, key)
    with store.transaction() as tx:
        events = tx.events.for_subject(result.application.id)
    assert {"application.submitted", "application.received", "application.assessed"} <= {
        e.type for e in events
    }
    keyed = [e for e in events if e.idempotency_key is not None]
    assert all(e.payload["command"] for e in keyed)
    actions = {r.action for r in store.audit_records()}
    assert {"offer.issued", "credit_line.opened", "credit_line.occupied", "bureau.queried"} <= actions


def test_tasks_queue_and_line_states_can_be_read(origination: Origination, key: Keys) -> None:
    apply(origination, key, NEAR_ID, "周静")
    assert len(origination.list(ReviewTask, status="open")) == 1
    assert origination.list(CreditLine, status="active") == []


def test_a_product_closed_after_submission_is_an_explained_rejection(
    catalog: LoadedCatalog, key: Keys
) -> None:
    store, ids = MemoryStore(), SequentialIds()  # one id sequence: both services write to one store
    open_now = Origination(
        store=store,
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=ids,
        decider=scripted,
    )
    customer = open_now.register_customer(individual(), idempotency_key=key("reg"))
    app = open_now.submit_application(request(customer.id), idempotency_key=key("app"))
    specs = dict(catalog.products)
    del specs["consumer_credit"]
    later = Origination(
        store=store,
        catalog=specs,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=ids,
        decider=scripted,
    )
    result = later.assess(app.id, idempotency_key=key("assess"))
    assert result.outcome == "rejected"
    assert result.reasons[0].code == "product-closed"

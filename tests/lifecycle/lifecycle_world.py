"""A lender for whole-life tests (imported as ``lifecycle_world``): every sample product taken from an
application to a disbursed loan through :class:`loanfactory.Lender` on the memory store, then lived
day by day with the end of day and on-time auto-debits.

Applicants are the sample bureau's prime persona, an individual or an enterprise as the product
serves; secured products get collateral worth twice the amount; entrusted payment goes to a payee
of an allowed use; staged products pay every milestone on the value date. An application that the
rules send to manual review is approved by two reviewers (初审, 复审), as the desk would. The
customer's payout accounts are verified as the customer would: an enterprise confirms the small
deposit to its corporate account, and the payee of an entrusted payment is confirmed the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from loanfactory.entity import CST, SequentialIds
from loanfactory.lender import Lender, Payee
from loanfactory.lpr import LprFixing, LprSeries
from loanfactory.origination import (
    ApplicationAssessment,
    ApplicationRequest,
    BankCard,
    Consent,
    ConsentScope,
    CorporateAccount,
    DocumentKind,
    DocumentSource,
    Employment,
    EmploymentKind,
    EnterpriseProfile,
    IndividualProfile,
    LegalRepresentative,
    Offer,
    OriginationSettings,
    ReviewTask,
    SupportingDocument,
    ValuationSource,
    id_check_character,
)
from loanfactory.ports import SignatureMethod
from loanfactory.product import ProductCatalog
from loanfactory.spec import ProductSpec, Segment
from loanfactory.testing import (
    FixedClock,
    MemoryStore,
    RecordingNotifier,
    SimulatedBureau,
    SimulatedGateway,
    SimulatedKyc,
    SimulatedSigner,
    verify_corporate_account,
    verify_payee,
)

ROOT = Path(__file__).resolve().parents[2]
PERSON = "31010419880512123" + id_check_character("31010419880512123")
FIRM = "91440300708461136T"  # a valid unified social credit code (GB 32100)
CARD = "6222021234567890123"
CORPORATE = "44201500100052512345"
SECURED = {
    "real-estate": "不动产权第0012345号",
    "vehicle": "LSVAU2180N2184512",
    "receivables": "应收账款登记 2025-0817",
}
USES = {"housing-purchase": "上海某房地产开发有限公司", "vehicle-purchase": "上海某汽车销售服务有限公司"}


def catalog() -> ProductCatalog:
    return ProductCatalog.load([ROOT / "products", ROOT / "rules"])


def revealed(series: LprSeries, clock: FixedClock) -> Callable[[], LprSeries]:
    """The LPR fixings published up to the clock's day (a bank's feed)."""

    def known() -> LprSeries:
        return LprSeries(tuple(f for f in series.fixings if f.date <= clock.today()))

    return known


def with_fixings(base: LprSeries, fixings: list[LprFixing]) -> LprSeries:
    """``base`` with later fixings added (those after its last date, in order)."""
    return LprSeries.of([*base.fixings, *(f for f in fixings if f.date > base.latest.date)])


class NotOffered(Exception):
    """The rules rejected the application (the applicant drawn is not one the product lends to)."""


@dataclass(frozen=True)
class Applicant:
    """Who applies: an individual's ID number and income, and the bureau persona (firms share it)."""

    id_number: str = PERSON
    income: Decimal = Decimal("3600000")
    persona: str = "prime"


def person_id(birth: date, sequence: int) -> str:
    """A valid Shanghai ID number (GB 11643) for a birth date and a sequence number."""
    first17 = f"310104{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


@dataclass
class Life:
    """One loan's life: the lender, the offer, the loan and the gateway that moves the money."""

    lender: Lender
    clock: FixedClock
    gateway: SimulatedGateway
    offer: Offer
    loan_id: str
    account: str

    def live_to(self, end: date) -> None:
        """Mornings collect last night's auto-debits; nights close the business day."""
        day = self.clock.today()
        while day <= end:
            self.lender.servicing.relay_payments()
            self.lender.end_of_day(day)
            day += timedelta(days=1)
            self.clock.set(day)


def open_loan(
    products: ProductCatalog,
    spec: ProductSpec,
    *,
    start: date,
    amount: Decimal,
    term: int,
    method: str,
    published: LprSeries,
    future: LprSeries,
    coupon_days: int = 0,
    coupon_bp: int = 0,
    applicant: Applicant | None = None,
) -> Life:
    """A lender on ``start`` whose origination knows the fixings ``published`` and whose servicing
    learns those of ``future`` as they are published; one loan of ``spec`` taken to disbursement."""
    who = applicant or Applicant()
    clock = FixedClock(datetime.combine(start, time(9), tzinfo=CST))
    gateway = SimulatedGateway(clock=clock)
    lender = Lender(
        store=MemoryStore(),
        products=products,
        clock=clock,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas={who.id_number: who.persona, FIRM: who.persona}),  # type: ignore[dict-item]
        notifier=RecordingNotifier(),
        gateway=gateway,
        signer=SimulatedSigner(),
        ids=SequentialIds(),
        origination_settings=OriginationSettings(lpr=published),
        lpr=revealed(future, clock),
    )
    enterprise = Segment.enterprise in spec.segments and Segment.individual not in spec.segments
    customer = lender.origination.register_customer(
        _firm() if enterprise else _person(who), idempotency_key="register"
    )
    account = CORPORATE if enterprise else CARD
    if enterprise:  # the customer confirms the small deposit (an individual's card passed at registration)
        verify_corporate_account(lender.payout_accounts, gateway, customer)
    collateral = _collateral(lender, spec, customer.id, amount, start)
    coupon = _coupon(lender, spec, customer.id, start, coupon_days, coupon_bp)
    result = lender.origination.originate(
        ApplicationRequest(
            customer_id=customer.id,
            product_code=spec.code,
            amount=amount,
            term=term,
            purpose=spec.purposes[0].value,
            channel=spec.channels[0].value,
            repayment_method=method,
            documents=_documents(enterprise),
            consents=_consents(clock.now()),
            collateral_ids=collateral,
            coupon_id=coupon,
        ),
        idempotency_key="apply",
    )
    offer = _approved(lender, result)
    use = spec.disbursement.allowed_uses[0].value if spec.disbursement.allowed_uses else None
    payee = Payee(
        name=USES.get(use or "", "某供应商有限公司"), account="31050161393600000001", category=use or ""
    )
    if use:
        verify_payee(
            lender.payout_accounts,
            gateway,
            customer.id,
            name=payee.name,
            number=payee.account,
            bank="中国银行",
            category=payee.category,
        )
    contract = lender.accept_offer(offer.id, key="accept", payee=payee if use else None)
    for role, signer in (("borrower", customer.id), ("lender", "bank")):
        lender.servicing.sign_contract(
            contract.id, signer=signer, role=role, method=SignatureMethod.face, key=f"sign-{role}"
        )
    stages = spec.disbursement.milestones or (None,)
    for n, stage in enumerate(stages):
        lender.servicing.disburse(
            contract.loan_id,
            key=f"disburse-{n}",
            milestone=stage.id if stage is not None else None,
            evidence=stage.requires if stage is not None else (),
        )
        lender.servicing.relay_payments()
    gateway.fund(account, Decimal("100000000"))
    return Life(lender, clock, gateway, offer, contract.loan_id, account)


def _approved(lender: Lender, result: ApplicationAssessment) -> Offer:
    """The offer of an application: at once, or after 初审 and 复审 by two reviewers."""
    if result.outcome == "rejected":
        raise NotOffered(result.explain("en"))
    reviewers = iter(("reviewer-1", "reviewer-2", "reviewer-3"))
    outcome: Any = result
    while getattr(outcome, "offer", None) is None:
        tasks = lender.origination.list(ReviewTask, application_id=result.application.id, status="open")
        assert tasks, f"no offer and no review task: {outcome}"
        reviewer = next(reviewers)
        # risk management may review at every stage and amount (the product's review duties)
        lender.origination.claim_task(tasks[0].id, reviewer, role="risk", idempotency_key=f"claim-{reviewer}")
        outcome = lender.origination.approve_task(
            tasks[0].id, reviewer, role="risk", idempotency_key=f"approve-{reviewer}"
        )
        if getattr(outcome, "offer", None) is None and not lender.origination.list(
            ReviewTask, application_id=result.application.id, status="open"
        ):
            raise NotOffered(f"the review issued no offer: {outcome}")
    offer: Offer = outcome.offer
    return offer


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _person(who: Applicant) -> IndividualProfile:
    return IndividualProfile(
        id_number=who.id_number,
        name="李娜",
        phone="13812345678",
        annual_income=who.income,
        employment=Employment(kind=EmploymentKind.salaried, employer="上海某科技公司", years=Decimal(8)),
        bank_cards=(BankCard(number=CARD, bank="中国工商银行"),),
        city="上海",
        face_image_sha256=_sha(who.id_number),
    )


def _firm() -> EnterpriseProfile:
    return EnterpriseProfile(
        credit_code=FIRM,
        name="深圳市示例科技有限公司",
        legal_representative=LegalRepresentative(
            name="赵明",
            id_number="33010619750909003" + id_check_character("33010619750909003"),
            phone="13900001111",
        ),
        corporate_account=CorporateAccount(
            bank="中国建设银行", number=CORPORATE, name="深圳市示例科技有限公司"
        ),
        established_on=date(2012, 3, 18),
        annual_revenue=Decimal("180000000"),
        annual_net_profit=Decimal("15000000"),
        industry="信息技术",
        employees=185,
        total_liabilities=Decimal("4000000"),
    )


def _documents(enterprise: bool) -> tuple[SupportingDocument, ...]:
    if enterprise:
        kinds = (
            DocumentKind.business_licence,
            DocumentKind.legal_rep_id,
            DocumentKind.financial_statement,
            DocumentKind.bank_statement,
        )
    else:
        kinds = (
            DocumentKind.id_card_front,
            DocumentKind.id_card_back,
            DocumentKind.income_proof,
            DocumentKind.purchase_contract,
        )
    photos = {
        DocumentKind.id_card_front,
        DocumentKind.id_card_back,
        DocumentKind.business_licence,
        DocumentKind.legal_rep_id,
    }
    return tuple(
        SupportingDocument(
            kind=k,
            sha256=_sha(k.value),
            source=DocumentSource.photo if k in photos else DocumentSource.third_party,
        )
        for k in kinds
    )


def _consents(now: datetime) -> tuple[Consent, ...]:
    at = now - timedelta(minutes=5)
    return (
        Consent(scope=ConsentScope.bureau_query, granted_at=at, expires_at=at + timedelta(days=30)),
        Consent(scope=ConsentScope.data_use, granted_at=at, expires_at=at + timedelta(days=30)),
    )


def _collateral(
    lender: Lender, spec: ProductSpec, customer_id: str, amount: Decimal, day: date
) -> tuple[str, ...]:
    ids = []
    for n, rule in enumerate(spec.guarantee.collateral):
        piece = lender.origination.register_collateral(
            {
                "customer_id": customer_id,
                "type": rule.type.value,
                "description": f"{rule.type.value} for the loan",
                "identifier": SECURED.get(rule.type.value, f"REG-{n}"),
                "valuation": {
                    "value": amount * 2,
                    "valued_on": day,
                    "source": ValuationSource.appraiser.value,
                },
            },
            idempotency_key=f"collateral-{n}",
        )
        ids.append(piece.id)
    return tuple(ids)


def _coupon(lender: Lender, spec: ProductSpec, customer_id: str, day: date, days: int, bp: int) -> str | None:
    if not days and not bp:
        return None
    lender.origination.launch_campaign(
        {
            "code": "life_campaign",
            "name": {"zh": "新客礼", "en": "Welcome"},
            "rate_discount_bp": bp,
            "interest_free_days": days,
            "valid_from": day,
            "valid_to": day + timedelta(days=30),
            "product_codes": [spec.code],
        },
        idempotency_key="campaign",
    )
    return lender.origination.issue_coupon("life_campaign", customer_id, idempotency_key="coupon").id

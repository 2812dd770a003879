"""Pre-review (智能预审): completeness and compliance of the information before any rule runs.

Checks what needs no bureau data, in this order:

1. identity verification — the KYC checks that must have passed (ID card or business licence
   and the legal representative's ID; a face match on online channels; a verified account to pay
   the loan into);
2. collateral — a secured product needs collateral of a type it accepts, valued recently enough;
3. documents — the documents the segment, guarantee and purpose require (:class:`DocumentPolicy`);
4. consents — still valid now for the bureau query and data use.

A failed identity check or missing collateral rejects (hard rules); missing documents or a lapsed
consent return the application for more information; a document hash reused under two kinds is
a flag that sends the application to a reviewer whatever the rules say. The product's own
``pre_review`` rule set (severe bureau records and the like) runs afterwards in the decision flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from loanfactory.origination._application import Application, ConsentScope, DocumentKind
from loanfactory.origination._collateral import Collateral, CollateralStatus
from loanfactory.origination._customer import Customer, CustomerType
from loanfactory.origination._decision import StepOutcome
from loanfactory.origination._values import StepReason
from loanfactory.ports import KycCheck
from loanfactory.spec import GuaranteeType, LoanPurpose, ProductSpec, SalesChannel

ONLINE_CHANNELS = frozenset({SalesChannel.app, SalesChannel.mini_program, SalesChannel.web})
_SECURED = frozenset({GuaranteeType.mortgage, GuaranteeType.pledge})

DOCUMENT_NAMES: dict[DocumentKind, tuple[str, str]] = {
    DocumentKind.id_card_front: ("ID card (photo side)", "身份证人像面"),
    DocumentKind.id_card_back: ("ID card (emblem side)", "身份证国徽面"),
    DocumentKind.income_proof: ("proof of income", "收入证明"),
    DocumentKind.bank_statement: ("bank statement", "银行流水"),
    DocumentKind.business_licence: ("business licence", "营业执照"),
    DocumentKind.legal_rep_id: ("legal representative's ID card", "法定代表人身份证"),
    DocumentKind.financial_statement: ("financial statements", "财务报表"),
    DocumentKind.tax_record: ("tax records", "纳税记录"),
    DocumentKind.property_certificate: ("property certificate", "不动产权证"),
    DocumentKind.vehicle_registration: ("vehicle registration", "机动车登记证"),
    DocumentKind.purchase_contract: ("purchase contract", "购买合同"),
    DocumentKind.invoice: ("invoice", "发票"),
    DocumentKind.deposit_certificate: ("deposit certificate", "存单"),
    DocumentKind.receivables_ledger: ("receivables ledger", "应收账款明细"),
}


@dataclass(frozen=True)
class DocumentPolicy:
    """Which documents an application must carry (申请材料清单); a bank may pass its own."""

    by_segment: Mapping[CustomerType, tuple[DocumentKind, ...]] = field(
        default_factory=lambda: {
            CustomerType.individual: (DocumentKind.id_card_front, DocumentKind.id_card_back),
            CustomerType.sole_proprietor: (  # the operator's ID and the business licence
                DocumentKind.id_card_front,
                DocumentKind.id_card_back,
                DocumentKind.business_licence,
            ),
            CustomerType.enterprise: (
                DocumentKind.business_licence,
                DocumentKind.legal_rep_id,
                DocumentKind.financial_statement,
            ),
        }
    )
    by_purpose: Mapping[LoanPurpose, tuple[DocumentKind, ...]] = field(
        default_factory=lambda: {
            LoanPurpose.housing: (DocumentKind.purchase_contract,),
            LoanPurpose.auto: (DocumentKind.purchase_contract,),
        }
    )
    by_guarantee: Mapping[GuaranteeType, tuple[DocumentKind, ...]] = field(default_factory=dict)
    income_proof_above: int = 200_000  # individuals applying for more need proof of income (yuan)

    def required(
        self, spec: ProductSpec, customer: Customer, application: Application
    ) -> tuple[DocumentKind, ...]:
        kinds = list(self.by_segment.get(customer.type, ()))
        kinds += self.by_purpose.get(application.purpose, ())
        for guarantee in spec.guarantee.types:
            kinds += self.by_guarantee.get(guarantee, ())
        if customer.type is CustomerType.individual and application.amount > self.income_proof_above:
            kinds.append(DocumentKind.income_proof)
        return tuple(dict.fromkeys(kinds))


@dataclass
class PreReview:
    """The outcome of the structural pre-review."""

    outcome: StepOutcome = StepOutcome.passed
    reasons: list[StepReason] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the applicant's language, for the notice
    flags: list[StepReason] = field(default_factory=list)  # send to a reviewer whatever the rules say


def _reason(code: str, en: str, zh: str) -> StepReason:
    return StepReason(code=f"pre_review.{code}", en=en, zh=zh, rule="pre_review")


def pre_review(
    spec: ProductSpec,
    customer: Customer,
    application: Application,
    collateral: list[Collateral],
    policy: DocumentPolicy,
    moment: datetime,
    lang: str = "zh",
) -> PreReview:
    result = PreReview()
    _identity(customer, application, result)
    _collateral(spec, collateral, moment, result)
    if result.reasons:
        result.outcome = StepOutcome.reject
        return result
    have = application.document_kinds()
    for kind in policy.required(spec, customer, application):
        if kind not in have:
            en, zh = DOCUMENT_NAMES.get(kind, (kind.value, kind.value))
            result.missing.append(zh if lang == "zh" else en)
            result.reasons.append(_reason("document-missing", f"missing document: {en}", f"缺少材料：{zh}"))
    for scope, en, zh in (
        (ConsentScope.bureau_query, "bureau query consent", "征信查询授权"),
        (ConsentScope.data_use, "data use consent", "个人信息使用授权"),
    ):
        if application.consent(scope, moment) is None:
            result.missing.append(f"{zh}（已过期）" if lang == "zh" else f"{en} (expired)")
            result.reasons.append(_reason("consent-expired", f"the {en} has expired", f"{zh}已过期"))
    if result.reasons:
        result.outcome = StepOutcome.returned
        return result
    hashes: dict[str, DocumentKind] = {}
    for document in application.documents:
        seen = hashes.setdefault(document.sha256, document.kind)
        if seen is not document.kind:
            result.flags.append(
                _reason(
                    "document-reused",
                    f"the same file is given as {seen.value} and {document.kind.value}",
                    f"同一文件同时作为 {seen.value} 和 {document.kind.value} 提交",
                )
            )
    return result


def _identity(customer: Customer, application: Application, result: PreReview) -> None:
    needed: list[tuple[KycCheck, str, str]] = []
    if customer.type is CustomerType.sole_proprietor:
        needed.append(
            (KycCheck.business_licence, "business licence verification failed", "营业执照核验未通过")
        )
    if customer.individual is not None:  # a person, or a sole proprietor's operator
        needed.append((KycCheck.id_card, "identity card verification failed", "身份证核验未通过"))
        if application.channel in ONLINE_CHANNELS:
            needed.append(
                (KycCheck.face_match, "face verification failed or missing", "人脸识别未通过或未进行")
            )
        if not any(card.verified for card in customer.individual.bank_cards):
            result.reasons.append(
                _reason(
                    "no-verified-account",
                    "no bank card passed the four-element check",
                    "没有通过四要素验证的银行卡",
                )
            )
    else:
        needed.append(
            (KycCheck.business_licence, "business licence verification failed", "营业执照核验未通过")
        )
        needed.append(
            (
                KycCheck.id_card,
                "the legal representative's ID verification failed",
                "法定代表人身份证核验未通过",
            )
        )
    for check, en, zh in needed:
        if not customer.verified(check):
            result.reasons.append(_reason(f"kyc-{check.value}", en, zh))


def _collateral(spec: ProductSpec, collateral: list[Collateral], moment: datetime, result: PreReview) -> None:
    secured = bool(spec.guarantee.types) and set(spec.guarantee.types) <= _SECURED
    accepted = [
        c
        for c in collateral
        if spec.guarantee.rule_for(c.type) is not None
        and c.status not in (CollateralStatus.released, CollateralStatus.disposed)
    ]
    if secured and not accepted:
        types = ", ".join(r.type.value for r in spec.guarantee.collateral)
        result.reasons.append(
            _reason(
                "collateral-missing",
                f"the product needs collateral ({types})",
                f"该产品须提供押品（{types}）",
            )
        )
    for piece in accepted:
        rule = spec.guarantee.rule_for(piece.type)
        if rule is not None and piece.is_stale(rule, moment.date()):
            result.reasons.append(
                _reason(
                    "valuation-stale",
                    f"collateral {piece.id} must be revalued "
                    f"(last valued {piece.latest.valued_on.isoformat()})",
                    f"押品 {piece.id} 需重新估值（上次估值 {piece.latest.valued_on.isoformat()}）",
                )
            )

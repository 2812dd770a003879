"""The loan application (在线申请): what was asked for, with its documents and consents.

An application names a product, amount, term, purpose and channel, carries the documents the
applicant supplied (kind, SHA-256 of the content, how it was captured) and the consents given
(scope, time, validity, purposes). Submitting without a valid consent for the bureau query and
for data use is refused before anything is stored.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from loanfactory.conventions import RepaymentMethod
from loanfactory.entity import Entity
from loanfactory.money import Money
from loanfactory.origination._values import AwareDatetime, ExactDecimal, StepReason, Value
from loanfactory.pricing import PricingDecision
from loanfactory.spec import LoanPurpose, SalesChannel, lenient

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class DocumentKind(StrEnum):
    """Kinds of supporting documents (申请材料)."""

    id_card_front = "id-card-front"  # 身份证人像面
    id_card_back = "id-card-back"  # 身份证国徽面
    face_photo = "face-photo"  # 人脸照片
    income_proof = "income-proof"  # 收入证明
    bank_statement = "bank-statement"  # 银行流水
    employment_proof = "employment-proof"  # 工作证明
    business_licence = "business-licence"  # 营业执照
    legal_rep_id = "legal-rep-id"  # 法定代表人身份证
    financial_statement = "financial-statement"  # 财务报表
    tax_record = "tax-record"  # 纳税记录
    property_certificate = "property-certificate"  # 不动产权证
    vehicle_registration = "vehicle-registration"  # 机动车登记证
    purchase_contract = "purchase-contract"  # 购买合同
    invoice = "invoice"  # 发票
    deposit_certificate = "deposit-certificate"  # 存单
    receivables_ledger = "receivables-ledger"  # 应收账款明细
    other = "other"


class DocumentSource(StrEnum):
    """How a document reached us (材料来源)."""

    photo = "photo"  # 拍照上传
    pdf = "pdf"  # PDF 文件
    third_party = "third-party"  # 第三方授权数据 (tax, social security, e-commerce ...)


class SupportingDocument(Value):
    """One supporting document: what it is and a hash of its content (the bytes live elsewhere)."""

    kind: DocumentKind
    sha256: Sha256
    source: DocumentSource
    name: Annotated[str | None, Field(max_length=200)] = None
    provider: Annotated[str | None, Field(max_length=100)] = None  # for third-party data
    received_at: AwareDatetime | None = None


class ConsentScope(StrEnum):
    """What the applicant allowed (授权范围)."""

    bureau_query = "bureau-query"  # 征信查询授权
    data_use = "data-use"  # 个人信息使用授权
    third_party_data = "third-party-data"  # 第三方数据查询授权
    marketing = "marketing"  # 营销推送


class Consent(Value):
    """A consent given at ``granted_at``, valid until ``expires_at`` (open when None), for ``purposes``."""

    scope: ConsentScope
    granted_at: AwareDatetime
    expires_at: AwareDatetime | None = None
    purposes: tuple[str, ...] = ("loan_approval",)
    reference: Annotated[str | None, Field(max_length=200)] = None  # signature or consent-record id

    def valid_at(self, moment: datetime, purpose: str = "loan_approval") -> bool:
        in_time = self.granted_at <= moment and (self.expires_at is None or moment < self.expires_at)
        return in_time and purpose in self.purposes


class ApplicationStatus(StrEnum):
    """Where an application stands (申请状态)."""

    submitted = "submitted"  # 已提交
    manual_review = "manual-review"  # 人工审核中
    info_requested = "info-requested"  # 待补充资料
    offered = "offered"  # 已批准，已出具报价
    rejected = "rejected"  # 已拒绝
    accepted = "accepted"  # 客户已接受
    declined = "declined"  # 客户已放弃
    expired = "expired"  # 报价过期
    withdrawn = "withdrawn"  # 已撤回

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset(
    {
        ApplicationStatus.rejected,
        ApplicationStatus.accepted,
        ApplicationStatus.declined,
        ApplicationStatus.expired,
        ApplicationStatus.withdrawn,
    }
)


class ApplicationRequest(Value):
    """What an applicant submits (申请信息); validated, then stored as an :class:`Application`."""

    customer_id: Annotated[str, Field(min_length=1)]
    product_code: Annotated[str, Field(min_length=1, max_length=64)]
    amount: Money
    term: Annotated[int, Field(gt=0, le=36500)]
    purpose: Annotated[LoanPurpose, lenient(LoanPurpose)]
    channel: Annotated[SalesChannel, lenient(SalesChannel)]
    repayment_method: RepaymentMethod | None = None
    documents: tuple[SupportingDocument, ...] = ()
    consents: tuple[Consent, ...] = ()
    collateral_ids: tuple[str, ...] = ()
    coupon_id: str | None = None
    guarantors: tuple[str, ...] = ()  # customer ids of guarantors (保证人)
    filed_by: Annotated[str | None, Field(min_length=1, max_length=200)] = None  # 录入人 (staff, or the app)


class Application(Entity):
    """A submitted application (贷款申请) and where it stands."""

    kind: ClassVar[str] = "application"
    indexes: ClassVar[tuple[str, ...]] = ("customer_id", "status", "product_code")

    customer_id: str
    product_code: str
    product_version: int
    amount: Money
    term: int
    purpose: LoanPurpose
    channel: SalesChannel
    repayment_method: RepaymentMethod
    documents: tuple[SupportingDocument, ...] = ()
    consents: tuple[Consent, ...] = ()
    collateral_ids: tuple[str, ...] = ()
    coupon_id: str | None = None
    guarantors: tuple[str, ...] = ()
    status: ApplicationStatus = ApplicationStatus.submitted
    score: int | None = None  # from the latest assessment
    grade: str | None = None
    rule_limit: Money | None = None  # limit computed by the product's limit rules (规则测算额度)
    line_limit: Money | None = None  # the line the rules support at the product's maximum (授信额度)
    grade_spread: ExactDecimal = Decimal(0)  # spread added by the pricing rules (评级加点)
    pricing_rate: ExactDecimal | None = None  # the rate the pricing rules set instead (规则定价利率)
    reasons: tuple[StepReason, ...] = ()  # the reasons of the latest decision
    offer_id: str | None = None
    review_round: int = 0  # how many times it went back for more information
    returned_by: str | None = None  # "pre_review" or "manual_review" while info is requested
    filed_by: str | None = None  # who entered it (录入人): may not review it
    submitted_at: AwareDatetime
    decided_at: AwareDatetime | None = None

    @property
    def pricing(self) -> PricingDecision:
        """What the pricing rules decided at the latest assessment: a rate, or a spread."""
        if self.pricing_rate is not None:
            return PricingDecision(rate=self.pricing_rate)
        return PricingDecision(spread=self.grade_spread)

    def consent(
        self, scope: ConsentScope, moment: datetime, purpose: str = "loan_approval"
    ) -> Consent | None:
        """The consent of ``scope`` valid at ``moment`` for ``purpose``, if any."""
        return next((c for c in self.consents if c.scope is scope and c.valid_at(moment, purpose)), None)

    def document_kinds(self) -> frozenset[DocumentKind]:
        return frozenset(d.kind for d in self.documents)

"""Request bodies of the API, validated by pydantic before a handler runs (examples feed the docs).

Where the core already has the model (documents, consents, signature methods, notification
preferences) the API uses it as is, so the HTTP contract and the library cannot drift apart.
Unknown fields are refused (``extra="forbid"``): a misspelt field is an error, not a silent default.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from loanfactory.conventions import RepaymentMethod
from loanfactory.money import StrictMoney
from loanfactory.origination import (
    CampaignKind,
    ConsentScope,
    DocumentKind,
    DocumentSource,
    EnterpriseProfile,
    IndividualProfile,
    SoleProprietorProfile,
)
from loanfactory.ports import SignatureMethod
from loanfactory.service_desk import Priority, TicketCategory, TicketKind
from loanfactory.spec import LoanPurpose, LocalizedText, SalesChannel, Segment

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Term = Annotated[
    int, Field(ge=1, le=600, description="Number of periods (months unless the product says days)")
]
Note = Annotated[str, Field(min_length=1, max_length=2000)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuoteRequest(Body):
    """Price a loan: schedule, fees, APR (报价试算)."""

    product_code: Code = Field(examples=["salary_loan"])
    amount: StrictMoney = Field(examples=["50000"])
    term: Term = Field(examples=[12])
    repayment_method: RepaymentMethod | None = None
    start_date: date | None = Field(default=None, description="Value date; today's business date by default")
    schedule: bool = Field(default=True, description="Include the installment schedule")


class CompareRequest(Body):
    """Compare products side by side for one amount and term (产品对比)."""

    codes: list[Code] = Field(min_length=2, max_length=5, examples=[["salary_loan", "consumer_credit"]])
    amount: StrictMoney = Field(examples=["50000"])
    term: Term = Field(examples=[12])


class RecommendRequest(Body):
    """Products that fit a need (产品推荐); customers get recommendations for themselves."""

    customer_id: Id | None = Field(default=None, description="Staff only: recommend for this customer")
    amount: StrictMoney | None = None
    term: Term | None = None
    purpose: LoanPurpose | None = None
    segment: Segment | None = None
    channel: SalesChannel | None = None
    limit: Annotated[int, Field(ge=1, le=20)] = 5


class ApplicationCreate(Body):
    """Apply for a loan (在线申请). Customers apply for themselves; officers name the customer."""

    customer_id: Id | None = Field(
        default=None, description="Required for staff; a customer's own id otherwise"
    )
    product_code: Code = Field(examples=["salary_loan"])
    amount: StrictMoney = Field(examples=["50000"])
    term: Term = Field(examples=[12])
    purpose: LoanPurpose = Field(examples=["consumer"])
    channel: SalesChannel = Field(examples=["app"])
    repayment_method: RepaymentMethod | None = None
    collateral_ids: list[Id] = Field(default_factory=list, max_length=20)
    coupon_id: Id | None = None
    guarantors: list[Id] = Field(default_factory=list, max_length=10)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=30)
    consents: list[ConsentIn] = Field(
        default_factory=list, max_length=10, description="At least bureau-query"
    )


class DocumentIn(Body):
    """Metadata of an uploaded document (the bytes are stored elsewhere; we keep the SHA-256)."""

    kind: DocumentKind
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    source: DocumentSource = DocumentSource.photo
    name: Annotated[str | None, Field(max_length=200)] = None
    provider: Annotated[str | None, Field(max_length=100)] = None


class ConsentIn(Body):
    """A consent the applicant gave (授权), e.g. to query the credit bureau."""

    scope: ConsentScope
    purposes: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        default_factory=lambda: ["loan_approval"], min_length=1, max_length=10
    )
    expires_at: datetime | None = None
    reference: Annotated[str | None, Field(max_length=200)] = None


class ReviewDecision(Body):
    """A reviewer's decision; reject and return need a note or reasons."""

    note: Note | None = None
    reasons: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=20
    )
    approved_amount: StrictMoney | None = Field(
        default=None, description="Approve a lower amount (approve only)"
    )
    missing: list[DocumentKind] = Field(default_factory=list, description="Documents to supply (return only)")


class SignRequest(Body):
    """Sign a contract (签署合同); the signer role follows from the caller's role."""

    method: SignatureMethod = Field(examples=["sms-code"])
    verification_code: Annotated[str | None, Field(max_length=12)] = None


class DisbursementRequest(Body):
    """Pay out a signed loan (放款), in full or one tranche, to its verified payout account (or, under
    entrusted payment, its verified payee)."""

    loan_id: Id
    amount: StrictMoney | None = Field(
        default=None,
        description="A staged loan's tranche may draw less than its milestones allow; a loan paid in "
        "one amount takes only its whole amount. Everything the tranche allows when omitted",
    )
    tranche: Annotated[int, Field(ge=1, le=100)] | None = Field(
        default=None, description="The tranche number (the milestone's place in the product)"
    )
    milestone: Annotated[str | None, Field(max_length=100)] = Field(
        default=None, description="The milestone id (e.g. goods_delivered); or give the tranche number"
    )
    evidence: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=20)


class BatchDisbursementRequest(Body):
    """Several disbursements in one call (批量放款); each succeeds or fails on its own."""

    items: list[DisbursementRequest] = Field(min_length=1, max_length=500)


class RepaymentRequest(Body):
    """Repay (还款): a collection of ``amount`` from the borrower's account. It is credited when the
    payment system confirms it, by the amount confirmed, and allocated as the product says."""

    amount: StrictMoney = Field(examples=["4333.33"])


class PrepaymentRequest(Body):
    """Prepay (提前还款) part or all of the principal."""

    amount: StrictMoney | None = Field(
        default=None, description="Principal to prepay; the whole balance when omitted"
    )
    mode: Literal["keep-term", "keep-installment"] = Field(
        default="keep-term",
        description="Re-amortise: keep the term (smaller installments) or the installment",
    )


class EodRequest(Body):
    """Run end of day (日终批处理) for a business date; running a finished date again changes nothing."""

    business_date: date


class ProductStatusChange(Body):
    """Why a product is published, paused or taken offline (kept in the audit trail)."""

    reason: Annotated[str | None, Field(max_length=500)] = None


class PayoutAccountIn(Body):
    """Add a payout account (添加放款账户): the customer's own card (checked by its four elements at
    once) or corporate account, or an entrusted-payment payee (both checked by a small deposit)."""

    kind: Literal["card", "corporate", "payee"] = Field(examples=["card"])
    number: Annotated[str, Field(pattern=r"^[0-9]{8,30}$")] = Field(examples=["6222021234567890123"])
    bank: Annotated[str, Field(min_length=1, max_length=100)] = Field(examples=["中国工商银行"])
    phone: Annotated[str | None, Field(pattern=r"^1[3-9][0-9]{9}$")] = Field(
        default=None, description="card: the phone registered with the bank; the customer's by default"
    )
    name: Annotated[str | None, Field(min_length=1, max_length=200)] = Field(
        default=None, description="payee only: the payee's account name (an own account is in the customer's)"
    )
    category: Annotated[str | None, Field(min_length=1, max_length=50, pattern=r"^[a-z0-9_-]+$")] = Field(
        default=None, description="payee only: the use of funds (资金用途), e.g. equipment"
    )


class DepositConfirmation(Body):
    """What arrived on the account for a small-deposit check: the amount and the code in the remark."""

    amount: StrictMoney = Field(examples=["0.37"])
    code: Annotated[str, Field(pattern=r"^[0-9]{6}$")] = Field(examples=["402917"])


class PayeeIn(Body):
    """Whom the money goes to under entrusted payment (受托支付): the seller, their account, the use."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = Field(examples=["上海精工设备制造有限公司"])
    account: Annotated[str, Field(pattern=r"^[0-9]{8,34}$")] = Field(examples=["31001234567890123456"])
    category: Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[a-z0-9_-]+$")] = Field(
        examples=["equipment"]
    )


class OfferAcceptance(Body):
    """Accept an offer (接受报价): the contract is drawn up next; all fields optional. The loan pays
    out to the customer's verified payout account, which nobody names here (the customer changes
    it under ``/customers/{id}/payout-accounts``)."""

    payee: PayeeIn | None = Field(
        default=None,
        description="The seller paid directly, where the product requires entrusted payment: a payee "
        "account the customer verified",
    )
    languages: list[Literal["zh", "en"]] = Field(
        default_factory=list, max_length=2, description="Contract languages; the product's by default"
    )


class CustomerRegistration(Body):
    """Open a customer account (开户): exactly one of an individual (ID, face and bank cards, checked
    through the KYC service), a sole proprietor (个体工商户: the operator and the business licence) or
    an enterprise (business licence, legal representative, 对公账户)."""

    individual: IndividualProfile | None = None
    sole_proprietor: SoleProprietorProfile | None = None
    enterprise: EnterpriseProfile | None = None
    channel: Annotated[str | None, Field(min_length=1, max_length=30, pattern=r"^[a-z0-9_-]+$")] = Field(
        default=None, examples=["app"]
    )
    language: Literal["zh", "en"] = Field(default="zh", description="for notifications")

    @model_validator(mode="after")
    def _one_profile(self) -> CustomerRegistration:
        given = [p for p in (self.individual, self.sole_proprietor, self.enterprise) if p is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of individual, sole_proprietor, enterprise")
        return self

    @property
    def profile(self) -> IndividualProfile | SoleProprietorProfile | EnterpriseProfile:
        found = self.individual or self.sole_proprietor or self.enterprise
        assert found is not None
        return found


class QuestionIn(Body):
    """A question to the self-service answerer (智能客服)."""

    question: Annotated[str, Field(min_length=1, max_length=500)] = Field(examples=["下一期什么时候还？"])


class TicketIn(Body):
    """Open a ticket (工单): an inquiry, a complaint or a suggestion."""

    kind: TicketKind = Field(examples=["complaint"])
    category: TicketCategory = Field(examples=["fees"])
    subject: Annotated[str, Field(min_length=1, max_length=200)] = Field(examples=["提前还款费用"])
    description: Note = Field(examples=["合同未写明这笔费用"])
    priority: Priority | None = None
    customer_id: Id | None = Field(default=None, description="Agents only: the customer the ticket is for")
    channel: Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[a-z0-9_-]+$")] = "app"


class AssignIn(Body):
    agent: Annotated[str, Field(min_length=1, max_length=100)] = Field(examples=["agent.chen"])


class ReplyIn(Body):
    text: Note = Field(examples=["已收到，正在核实"])


class ExtendIn(Body):
    """Extend a complaint's time limit: the reason, and for the second time who approved it."""

    reason: Note = Field(examples=["需调取通话录音核实"])
    approved_by: Annotated[str | None, Field(min_length=1, max_length=100)] = None


class ResolveIn(Body):
    decision: Note = Field(examples=["已退还费用 200.00 元"])


class RatingIn(Body):
    score: Annotated[int, Field(ge=1, le=5)] = Field(examples=[5])
    note: Annotated[str | None, Field(min_length=1, max_length=500)] = None


class CampaignCreate(Body):
    """Launch a campaign (创建营销活动); the library checks what each kind needs (amounts, budget,
    the eligibility rule) and answers 422 naming the field."""

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")] = Field(examples=["summer_coupon"])
    name: LocalizedText = Field(examples=[{"zh": "夏日优惠", "en": "Summer offer"}])
    campaign_kind: CampaignKind = CampaignKind.coupon
    cash: StrictMoney | None = Field(default=None, description="Red packet amount (红包金额)")
    referrer_reward: StrictMoney | None = Field(default=None, description="推荐人奖励")
    referee_reward: StrictMoney | None = Field(default=None, description="被推荐人奖励")
    limit_increase: StrictMoney | None = Field(default=None, description="提额金额")
    limit_cap: StrictMoney | None = Field(default=None, description="提额后额度上限")
    stackable: bool = True
    eligibility: Annotated[str | None, Field(min_length=1, max_length=100)] = Field(
        default=None, description="Id of the rule deciding who may take part (参与资格规则)"
    )
    rate_discount_bp: Annotated[int, Field(ge=0, le=1000)] = Field(default=0, examples=[50])
    interest_free_days: Annotated[int, Field(ge=0, le=90)] = 0
    valid_from: date = Field(examples=["2025-08-01"])
    valid_to: date = Field(examples=["2025-08-31"])
    budget: StrictMoney | None = Field(default=None, examples=["20000"], description="补贴预算")
    max_coupons: Annotated[int | None, Field(gt=0, le=10_000_000)] = None
    per_customer: Annotated[int, Field(gt=0, le=100)] = 1
    coupon_valid_days: Annotated[int, Field(gt=0, le=366)] = 30
    product_codes: list[Code] = Field(default_factory=list, max_length=50)
    channels: list[SalesChannel] = Field(default_factory=list, max_length=20)
    segments: list[Segment] = Field(default_factory=list, max_length=5)


class CampaignStatusChange(Body):
    """Why a campaign is paused or resumed (kept in the audit trail)."""

    reason: Annotated[str | None, Field(max_length=500)] = None

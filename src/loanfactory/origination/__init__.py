"""Origination (贷前): customer → application → pre-review → scoring → routing → limit → price → offer.

The embedding developer's entry point is :class:`Origination`, built with the ports::

    from loanfactory.origination import Origination
    from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc

    origination = Origination(store=MemoryStore(), catalog=catalog, kyc=SimulatedKyc(),
                              bureau=SimulatedBureau(), notifier=RecordingNotifier(),
                              clock=FixedClock(date(2025, 8, 1)))
    customer = origination.register_customer(profile, idempotency_key="reg-1")
    result = origination.originate(request, idempotency_key="app-1")

Every entity it stores (customers, applications, decision records, review tasks, credit lines and
their occupations, collateral, campaigns and coupons, offers, notification settings) is exported here; see
``docs/origination.md``.
"""

from __future__ import annotations

from loanfactory.origination._products import Decider, FlowResult, Screener, StepResult
from loanfactory.origination._values import Reason
from loanfactory.origination.application import (
    Application,
    ApplicationRequest,
    ApplicationStatus,
    Consent,
    ConsentScope,
    Document,
    DocumentKind,
    DocumentSource,
)
from loanfactory.origination.assessment import Assessment
from loanfactory.origination.campaign import (
    Campaign,
    CampaignInput,
    CampaignKind,
    CampaignStatus,
    Coupon,
    CouponStatus,
)
from loanfactory.origination.catalog_query import (
    ComparisonRow,
    Need,
    ProductFilter,
    ProductSummary,
    Recommendation,
)
from loanfactory.origination.collateral import (
    Collateral,
    CollateralInput,
    CollateralStatus,
    Valuation,
    ValuationSource,
    lending_value,
)
from loanfactory.origination.credit_line import (
    CreditLine,
    LineOccupation,
    LineScope,
    LineStatus,
    OccupationStatus,
    SubLimit,
)
from loanfactory.origination.customer import (
    BankCard,
    CorporateAccount,
    Customer,
    CustomerGroup,
    CustomerStatus,
    CustomerType,
    Employment,
    EmploymentKind,
    EnterpriseProfile,
    IndividualProfile,
    KycRecord,
    LegalRepresentative,
    ProfileTag,
)
from loanfactory.origination.decision import DecisionRecord, DecisionStep, Outcome
from loanfactory.origination.feedback import RelayReport, relay_outbox
from loanfactory.origination.identity import (
    identity_hash,
    mask_credit_code,
    parse_credit_code,
    parse_id_number,
)
from loanfactory.origination.login import CustomerLogin, OwnershipProof
from loanfactory.origination.notification_settings import ChannelChoice, NotificationSettings
from loanfactory.origination.offer import (
    LimitComponent,
    LimitSource,
    Offer,
    OfferFee,
    OfferStatus,
    RateComponent,
    ScheduleLine,
)
from loanfactory.origination.payout_account import (
    AccountOwner,
    AccountStatus,
    PayoutAccount,
    VerificationMethod,
)
from loanfactory.origination.payout_accounts import PayoutAccounts
from loanfactory.origination.prereview import DocumentPolicy
from loanfactory.origination.review import REVIEW_REASONS, ReviewNote, ReviewStage, ReviewTask, TaskStatus
from loanfactory.origination.review_flow import ReviewOutcome
from loanfactory.origination.rewards import Referral, Reward, RewardKind, RewardStatus
from loanfactory.origination.scenarios import ProductScenarios, run_scenario_paths
from loanfactory.origination.service import Origination
from loanfactory.origination.settings import OccupyOn, OriginationSettings

ENTITIES = (
    Application,
    Campaign,
    Collateral,
    Coupon,
    CreditLine,
    Customer,
    CustomerGroup,
    DecisionRecord,
    LineOccupation,
    NotificationSettings,
    Offer,
    PayoutAccount,
    ReviewTask,
)
"""Every entity kind origination stores (for store mappings and migrations)."""

__all__ = [  # noqa: RUF022 - plain sorted() order, as the architecture test checks
    "AccountOwner",
    "AccountStatus",
    "Application",
    "ApplicationRequest",
    "ApplicationStatus",
    "Assessment",
    "BankCard",
    "Campaign",
    "CampaignInput",
    "CampaignKind",
    "CampaignStatus",
    "ChannelChoice",
    "Collateral",
    "CollateralInput",
    "CollateralStatus",
    "ComparisonRow",
    "Consent",
    "ConsentScope",
    "CorporateAccount",
    "Coupon",
    "CouponStatus",
    "CreditLine",
    "Customer",
    "CustomerGroup",
    "CustomerLogin",
    "CustomerStatus",
    "CustomerType",
    "Decider",
    "DecisionRecord",
    "DecisionStep",
    "Document",
    "DocumentKind",
    "DocumentPolicy",
    "DocumentSource",
    "ENTITIES",
    "Employment",
    "EmploymentKind",
    "EnterpriseProfile",
    "FlowResult",
    "IndividualProfile",
    "KycRecord",
    "LegalRepresentative",
    "LimitComponent",
    "LimitSource",
    "LineOccupation",
    "LineScope",
    "LineStatus",
    "Need",
    "NotificationSettings",
    "OccupationStatus",
    "OccupyOn",
    "Offer",
    "OfferFee",
    "OfferStatus",
    "Origination",
    "OriginationSettings",
    "Outcome",
    "OwnershipProof",
    "PayoutAccount",
    "PayoutAccounts",
    "ProductFilter",
    "ProductScenarios",
    "ProductSummary",
    "ProfileTag",
    "REVIEW_REASONS",
    "RateComponent",
    "Reason",
    "Recommendation",
    "Referral",
    "RelayReport",
    "ReviewNote",
    "ReviewOutcome",
    "ReviewStage",
    "ReviewTask",
    "Reward",
    "RewardKind",
    "RewardStatus",
    "ScheduleLine",
    "Screener",
    "StepResult",
    "SubLimit",
    "TaskStatus",
    "Valuation",
    "ValuationSource",
    "VerificationMethod",
    "identity_hash",
    "lending_value",
    "mask_credit_code",
    "parse_credit_code",
    "parse_id_number",
    "relay_outbox",
    "run_scenario_paths",
]

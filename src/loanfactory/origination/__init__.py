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

from loanfactory.origination._application import (
    Application,
    ApplicationRequest,
    ApplicationStatus,
    Consent,
    ConsentScope,
    DocumentKind,
    DocumentSource,
    SupportingDocument,
)
from loanfactory.origination._assessment import ApplicationAssessment
from loanfactory.origination._campaign import (
    Campaign,
    CampaignInput,
    CampaignKind,
    CampaignStatus,
    Coupon,
    CouponStatus,
)
from loanfactory.origination._catalog_query import (
    ComparisonRow,
    Need,
    ProductFilter,
    ProductSummary,
    Recommendation,
)
from loanfactory.origination._collateral import (
    Collateral,
    CollateralInput,
    CollateralStatus,
    Valuation,
    ValuationSource,
    lending_value,
)
from loanfactory.origination._commands import Command, run_command
from loanfactory.origination._credit_line import (
    CreditLine,
    LineOccupation,
    LineScope,
    LineStatus,
    OccupationStatus,
    SubLimit,
)
from loanfactory.origination._customer import (
    BankCard,
    BusinessLicence,
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
    SoleProprietorProfile,
)
from loanfactory.origination._decision import DecisionRecord, DecisionStep, StepOutcome
from loanfactory.origination._feedback import FeedbackRelayReport, relay_outbox
from loanfactory.origination._identity import (
    CREDIT_CODE_ALPHABET,
    Sex,
    credit_code_check_character,
    id_check_character,
    identity_hash,
    mask_account,
    mask_credit_code,
    mask_id_number,
    organisation_check_character,
    parse_account_number,
    parse_credit_code,
    parse_id_number,
    parse_phone,
)
from loanfactory.origination._login import CustomerLogin, OwnershipProof
from loanfactory.origination._notification_settings import ChannelChoice, NotificationSettings
from loanfactory.origination._offer import (
    LimitComponent,
    LimitSource,
    Offer,
    OfferFee,
    OfferStatus,
    RateComponent,
    ScheduleLine,
)
from loanfactory.origination._payout_account import (
    DEPOSIT_ATTEMPTS,
    AccountOwner,
    AccountStatus,
    PayoutAccount,
    VerificationMethod,
    own_names,
    payee_account_for,
    payout_account_for,
)
from loanfactory.origination._payout_accounts import PayoutAccounts
from loanfactory.origination._prereview import DocumentPolicy
from loanfactory.origination._products import Decider, FlowResult, Screener, StepResult
from loanfactory.origination._review import (
    REVIEW_REASONS,
    ReviewNote,
    ReviewStage,
    ReviewTask,
    ReviewTaskStatus,
)
from loanfactory.origination._review_flow import ReviewOutcome
from loanfactory.origination._rewards import Referral, Reward, RewardKind, RewardStatus
from loanfactory.origination._scenarios import ProductScenarios, run_scenario_paths
from loanfactory.origination._service import Origination
from loanfactory.origination._settings import OccupyOn, OriginationSettings
from loanfactory.origination._values import AwareDatetime, StepReason, Value

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
    "ApplicationAssessment",
    "ApplicationRequest",
    "ApplicationStatus",
    "AwareDatetime",
    "BankCard",
    "BusinessLicence",
    "CREDIT_CODE_ALPHABET",
    "Campaign",
    "CampaignInput",
    "CampaignKind",
    "CampaignStatus",
    "ChannelChoice",
    "Collateral",
    "CollateralInput",
    "CollateralStatus",
    "Command",
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
    "DEPOSIT_ATTEMPTS",
    "Decider",
    "DecisionRecord",
    "DecisionStep",
    "DocumentKind",
    "DocumentPolicy",
    "DocumentSource",
    "ENTITIES",
    "Employment",
    "EmploymentKind",
    "EnterpriseProfile",
    "FeedbackRelayReport",
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
    "OwnershipProof",
    "PayoutAccount",
    "PayoutAccounts",
    "ProductFilter",
    "ProductScenarios",
    "ProductSummary",
    "ProfileTag",
    "REVIEW_REASONS",
    "RateComponent",
    "Recommendation",
    "Referral",
    "ReviewNote",
    "ReviewOutcome",
    "ReviewStage",
    "ReviewTask",
    "ReviewTaskStatus",
    "Reward",
    "RewardKind",
    "RewardStatus",
    "ScheduleLine",
    "Screener",
    "Sex",
    "SoleProprietorProfile",
    "StepOutcome",
    "StepReason",
    "StepResult",
    "SubLimit",
    "SupportingDocument",
    "Valuation",
    "ValuationSource",
    "Value",
    "VerificationMethod",
    "credit_code_check_character",
    "id_check_character",
    "identity_hash",
    "lending_value",
    "mask_account",
    "mask_credit_code",
    "mask_id_number",
    "organisation_check_character",
    "own_names",
    "parse_account_number",
    "parse_credit_code",
    "parse_id_number",
    "parse_phone",
    "payee_account_for",
    "payout_account_for",
    "relay_outbox",
    "run_command",
    "run_scenario_paths",
]

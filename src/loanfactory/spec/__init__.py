"""The product definition language: frozen pydantic models of a loan product.

Product managers write YAML; :mod:`loanfactory.spec` validates it into a :class:`ProductSpec`.
"""

from __future__ import annotations

from loanfactory.spec._base import LocalizedText, Problem, SpecModel
from loanfactory.spec.fees import Fee, FeeBasis, FeeEvent, FeeKind, FeeTiming
from loanfactory.spec.limits import AmountRange, TermRange
from loanfactory.spec.policies import (
    CollateralRule,
    CollateralType,
    Disbursement,
    DisbursementMode,
    GuaranteePolicy,
    GuaranteeType,
    Milestone,
    OverdueAction,
    OverduePolicy,
    OverdueTier,
    PaymentUse,
    Penalty,
    Prepayment,
    PrepaymentPenalty,
    PrepaymentPenaltyKind,
    Reamortisation,
)
from loanfactory.spec.product import (
    Channel,
    ComplianceSettings,
    ContractSettings,
    Effective,
    ProductSpec,
    Purpose,
    RulePurpose,
    RuleRefs,
    Segment,
    Status,
    periods_for,
)
from loanfactory.spec.rate import FixedRate, FloatingRate, RateBand, RepricingRule
from loanfactory.spec.repayment import Balloon, FirstPeriod, Grace, Repayment, ResiduePlacement, Rounding

__all__ = [
    "AmountRange",
    "Balloon",
    "Channel",
    "CollateralRule",
    "CollateralType",
    "ComplianceSettings",
    "ContractSettings",
    "Disbursement",
    "DisbursementMode",
    "Effective",
    "Fee",
    "FeeBasis",
    "FeeEvent",
    "FeeKind",
    "FeeTiming",
    "FirstPeriod",
    "FixedRate",
    "FloatingRate",
    "Grace",
    "GuaranteePolicy",
    "GuaranteeType",
    "LocalizedText",
    "Milestone",
    "OverdueAction",
    "OverduePolicy",
    "OverdueTier",
    "PaymentUse",
    "Penalty",
    "Prepayment",
    "PrepaymentPenalty",
    "PrepaymentPenaltyKind",
    "Problem",
    "ProductSpec",
    "Purpose",
    "RateBand",
    "Reamortisation",
    "Repayment",
    "RepricingRule",
    "ResiduePlacement",
    "Rounding",
    "RulePurpose",
    "RuleRefs",
    "Segment",
    "SpecModel",
    "Status",
    "TermRange",
    "periods_for",
]

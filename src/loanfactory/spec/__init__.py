"""The product definition language: frozen pydantic models of a loan product, and their loader.

Product managers write YAML; :func:`load_product` validates it into a :class:`ProductSpec` or
returns located diagnostics (English and Chinese). Templates (``extends:``) and fragments
(``use:``) are resolved by a :class:`Library`; :func:`product_json_schema` is the JSON Schema
editors use. See ``docs/products.md`` (产品配置指南).
"""

from __future__ import annotations

from loanfactory.conventions import GuaranteeType  # the product language names it too
from loanfactory.overdue_actions import OverdueAction
from loanfactory.spec._base import CrossFieldProblem, LocalizedText, SpecModel, lenient
from loanfactory.spec._fees import Fee, FeeBasis, FeeEvent, FeeKind, FeeTiming
from loanfactory.spec._jsonschema import product_json_schema
from loanfactory.spec._limits import AmountRange, TermRange
from loanfactory.spec._loader import (
    check_product,
    load_product,
    load_product_or_raise,
    load_product_text,
    product_from_document,
    validate_product,
)
from loanfactory.spec._merge import MergedDocument
from loanfactory.spec._policies import (
    CollateralRule,
    CollateralType,
    DisbursementMode,
    DisbursementPolicy,
    GuaranteePolicy,
    Milestone,
    OverduePolicy,
    OverdueTier,
    PaymentUse,
    Penalty,
    PrepaymentPenalty,
    PrepaymentPenaltyKind,
    PrepaymentPolicy,
    Reamortisation,
)
from loanfactory.spec._product import (
    ComplianceSettings,
    ContractSettings,
    Effective,
    LoanPurpose,
    ProductSpec,
    RulePurpose,
    RuleRefs,
    SalesChannel,
    Segment,
    Status,
    periods_for,
)
from loanfactory.spec._rate import FixedRate, FloatingRate, RateBand, RepricingRule
from loanfactory.spec._repayment import (
    BalloonSection,
    Grace,
    Repayment,
    Rounding,
    StepSection,
)
from loanfactory.spec._review import DEFAULT_DUTIES, DutyBand, ReviewDuties, ReviewerRole
from loanfactory.spec._templates import FragmentFile, Library, TemplateHeader, section_names
from loanfactory.spec._validate import placed, validate_model

__all__ = [  # noqa: RUF022 - plain sorted() order, as the architecture test checks
    "AmountRange",
    "BalloonSection",
    "CollateralRule",
    "CollateralType",
    "ComplianceSettings",
    "ContractSettings",
    "CrossFieldProblem",
    "DEFAULT_DUTIES",
    "DisbursementMode",
    "DisbursementPolicy",
    "DutyBand",
    "Effective",
    "Fee",
    "FeeBasis",
    "FeeEvent",
    "FeeKind",
    "FeeTiming",
    "FixedRate",
    "FloatingRate",
    "FragmentFile",
    "Grace",
    "GuaranteePolicy",
    "GuaranteeType",
    "Library",
    "LoanPurpose",
    "LocalizedText",
    "MergedDocument",
    "Milestone",
    "OverdueAction",
    "OverduePolicy",
    "OverdueTier",
    "PaymentUse",
    "Penalty",
    "PrepaymentPenalty",
    "PrepaymentPenaltyKind",
    "PrepaymentPolicy",
    "ProductSpec",
    "RateBand",
    "Reamortisation",
    "Repayment",
    "RepricingRule",
    "ReviewDuties",
    "ReviewerRole",
    "Rounding",
    "RulePurpose",
    "RuleRefs",
    "SalesChannel",
    "Segment",
    "SpecModel",
    "Status",
    "StepSection",
    "TemplateHeader",
    "TermRange",
    "check_product",
    "lenient",
    "load_product",
    "load_product_or_raise",
    "load_product_text",
    "periods_for",
    "placed",
    "product_from_document",
    "product_json_schema",
    "section_names",
    "validate_model",
    "validate_product",
]

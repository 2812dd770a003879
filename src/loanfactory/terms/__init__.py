"""The loan's contract terms (合同条款): one builder from product to terms, used everywhere.

:func:`contract_terms` turns a product spec, the pricing decision
(:class:`~loanfactory.pricing.PricingDecision`), the customer's choices, a coupon
(:class:`Concession`) and the LPR series into :class:`ContractTerms` — a frozen value that round-
trips through JSON and holds everything needed to recompute any figure of the loan later. The
quote, the offer, the contract text, booking, the end of day, prepayment, payoff and penalty
interest all start from it; servicing keeps it on the loan. See ``docs/schedule.md``.
"""

from __future__ import annotations

from loanfactory.terms._build import (
    Concession,
    check_allowed,
    contract_terms,
    lpr_on,
    periods_of,
    product_rate,
)
from loanfactory.terms._schedule import (
    contract_apr,
    contract_schedule,
    dated,
    interest_cuts,
    interest_free_amount,
    maturity,
    repriced,
    schedule_fee,
    schedule_terms,
    waive_interest,
)
from loanfactory.terms._values import (
    AllocationPolicy,
    Component,
    ContractTerms,
    FeeTerms,
    PenaltyTerms,
    PrepaymentBand,
    PrepaymentTerms,
    RateReset,
    RateTerms,
    RoundingTerms,
    within,
)

__all__ = [
    "AllocationPolicy",
    "Component",
    "Concession",
    "ContractTerms",
    "FeeTerms",
    "PenaltyTerms",
    "PrepaymentBand",
    "PrepaymentTerms",
    "RateReset",
    "RateTerms",
    "RoundingTerms",
    "check_allowed",
    "contract_apr",
    "contract_schedule",
    "contract_terms",
    "dated",
    "interest_cuts",
    "interest_free_amount",
    "lpr_on",
    "maturity",
    "periods_of",
    "product_rate",
    "repriced",
    "schedule_fee",
    "schedule_terms",
    "waive_interest",
    "within",
]

"""Quotes for a product (产品报价): the product's terms for an amount and term, its schedule, fees and APR.

The glue between the product language (:mod:`loanfactory.spec`) and the schedule engine
(:mod:`loanfactory.schedule`), through the one builder of a loan's contract terms
(:func:`loanfactory.terms.contract_terms`): :func:`quote` turns a
:class:`~loanfactory.spec.ProductSpec`, an amount, a term (in the product's unit) and optionally a
method, dates, a pricing decision and a coupon into the contract terms, their schedule, every fee
and the APR. Used by ``loanfactory schedule --product``, ``loanfactory quote`` and ``loanfactory
lint``; origination's offers go through the same builder, so a quote with the offer's decision and
coupon is the offer to the fen.

Floating (LPR) products are priced from the LPR in force on the start date — without a start date,
the latest fixing — and repriced by the product's rule; future repricing assumes the latest fixing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from loanfactory.conventions import RepaymentMethod, ScheduleStyle
from loanfactory.errors import SpecError
from loanfactory.lpr import LprSeries
from loanfactory.pricing import PricingDecision
from loanfactory.schedule import Apr, LoanTerms, Schedule, fees_by_name
from loanfactory.spec import ProductSpec, load_product
from loanfactory.terms import Concession, ContractTerms, contract_apr, contract_schedule, contract_terms


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One fee of a quote: its total over the loan and when it is charged."""

    name: str
    timing: str
    amount: Decimal
    in_apr: bool


@dataclass(frozen=True, slots=True)
class Quote:
    """A priced offer (报价): contract terms, schedule, fees and APR of a product for an amount and term.

    ``contract`` is the contract's terms; ``terms`` is the schedule engine's view of them.
    """

    product: ProductSpec
    amount: Decimal
    term: int
    contract: ContractTerms
    schedule: Schedule
    fees: tuple[FeeLine, ...]
    apr: Apr

    @property
    def terms(self) -> LoanTerms:
        return self.schedule.terms

    @property
    def total_cost(self) -> Decimal:
        """Interest plus every fee (综合融资成本, yuan)."""
        return self.schedule.totals.interest + sum((f.amount for f in self.fees), Decimal(0))


def quote(
    product: ProductSpec,
    amount: Decimal,
    term: int,
    *,
    method: RepaymentMethod | None = None,
    start: date | None = None,
    first_due: date | None = None,
    lpr: LprSeries | None = None,
    style: ScheduleStyle = ScheduleStyle.posting,
    pricing: PricingDecision | None = None,
    concession: Concession | None = None,
) -> Quote:
    """Schedule, fees and APR of ``product`` for ``amount`` and ``term``, priced by ``pricing``
    (default: the product's own rate) with ``concession`` (a coupon) applied."""
    contract = contract_terms(
        product,
        amount,
        term,
        method=method,
        start=start,
        first_due=first_due,
        pricing=pricing,
        concession=concession,
        lpr=lpr,
    )
    return quote_terms(product, contract, style)


def quote_terms(
    product: ProductSpec, contract: ContractTerms, style: ScheduleStyle = ScheduleStyle.posting
) -> Quote:
    """The quote of contract terms already built (an offer's, a loan's)."""
    schedule = contract_schedule(contract, style)
    totals = fees_by_name(schedule)
    lines = tuple(
        FeeLine(f.name, f.timing, totals.get(f.name, Decimal(0)), f.in_apr) for f in schedule.terms.fees
    )
    posting = schedule if style is ScheduleStyle.posting else None
    return Quote(
        product, contract.amount, contract.term, contract, schedule, lines, contract_apr(contract, posting)
    )


def quote_product(
    path: Path | str,
    *,
    amount: Decimal,
    term: int,
    method: RepaymentMethod | None = None,
    start: date | None = None,
    first_due: date | None = None,
    lpr: LprSeries | None = None,
    style: ScheduleStyle = ScheduleStyle.posting,
) -> Quote:
    """Load a product file and quote it; raises SpecError listing the file's problems."""
    spec, diagnostics = load_product(path)
    if spec is None:
        raise SpecError(diagnostics=[d for d in diagnostics if d.severity == "error"])
    return quote(spec, amount, term, method=method, start=start, first_due=first_due, lpr=lpr, style=style)


__all__ = ["FeeLine", "Quote", "quote", "quote_product", "quote_terms"]

"""Overdue arithmetic (逾期计算): days past due, penalty and compound interest accrual, the
five-category classification and provisions — pure functions of a loan's position on a date.

The end-of-day run calls :func:`assess` per loan (exact Decimal); the vectorised path
(:mod:`~loanfactory.servicing._vectorised`) computes the same figures over arrays and is reconciled
with this one to the fen by tests. Both take a :class:`LoanDay`, extracted from the position by
:func:`loan_day`.

Penalty interest (罚息) accrues each day on the installments overdue at the end of that day and
past their grace days: ``overdue principal x penalty rate``, plus, when the contract has compound
interest (复利), ``overdue interest x penalty rate``, over the day basis — the penalty rate being
the contract rate in force that day (after any LPR reset) x (1 + uplift). When ``grace_waives``
is false, the day a row leaves its grace also accrues the grace days it skipped.

What is posted is cumulative: the exact accrual of every day so far, rounded once (half-up to the
fen), minus what was posted before (累计计提、一次舍入). Each day's exact accrual is kept with its
posting (``data["accrual"]``, as ``base x annual rate``; divided by the day basis only when
rounding), so the posted total always equals the exact accrued amount rounded once — a day whose
increment rounds to nothing posts 0.00 and carries its accrual to the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from loanfactory.ports import LedgerEntryRecord
from loanfactory.schedule import accrued_penalty
from loanfactory.servicing._ledger import live
from loanfactory.servicing._loan import CATEGORIES, Category, Component, Value
from loanfactory.servicing._position import PENALTY_KEY, EntryType, Position
from loanfactory.spec import OverduePolicy
from loanfactory.terms import ContractTerms

ZERO = Decimal(0)
CENT = Decimal("0.01")
ACCRUAL = "accrual"
"""The key of a penalty posting's exact accrual in its ``data`` (``base x annual rate``)."""


class Override(Value):
    """A classification floor for loans carrying ``flag`` (e.g. restructured → at least 关注)."""

    flag: str
    at_least: Category


class ClassificationRules(Value):
    """The five-category rules (五级分类) as data: day thresholds, overrides and provision rates.

    Defaults follow the 2023 rules: any overdue → at least 关注; more than 90 days → 次级; more
    than 270 → 可疑; more than 360 → 损失; reference provisions 1 % / 2 % / 25 % / 50 % / 100 %.
    A restructured loan is at least 关注, is not upgraded from 次级 or worse during its observation
    period, and is at least 次级 when restructured again within it (see ``_relief``).
    """

    substandard_after: int = 90
    doubtful_after: int = 270
    loss_after: int = 360
    overrides: tuple[Override, ...] = (
        Override(flag="restructured", at_least=Category.special_mention),
        Override(flag="restructured-again", at_least=Category.substandard),
        Override(flag="restructured-held-substandard", at_least=Category.substandard),
        Override(flag="restructured-held-doubtful", at_least=Category.doubtful),
        Override(flag="restructured-held-loss", at_least=Category.loss),
        Override(flag="fund-misuse", at_least=Category.special_mention),
        Override(flag="litigation", at_least=Category.substandard),
    )
    provision_rates: tuple[Decimal, Decimal, Decimal, Decimal, Decimal] = (
        Decimal("0.01"),
        Decimal("0.02"),
        Decimal("0.25"),
        Decimal("0.50"),
        Decimal("1"),
    )

    def by_days(self, days_past_due: int) -> Category:
        if days_past_due > self.loss_after:
            return Category.loss
        if days_past_due > self.doubtful_after:
            return Category.doubtful
        if days_past_due > self.substandard_after:
            return Category.substandard
        if days_past_due > 0:
            return Category.special_mention
        return Category.normal

    def floor(self, flags: tuple[str, ...]) -> Category:
        worst = Category.normal
        for override in self.overrides:
            if override.flag in flags and override.at_least.rank > worst.rank:
                worst = override.at_least
        return worst

    def classify(self, days_past_due: int, flags: tuple[str, ...] = ()) -> Category:
        by_days = self.by_days(days_past_due)
        floor = self.floor(flags)
        return by_days if by_days.rank >= floor.rank else floor

    def provision(self, category: Category, exposure: Decimal) -> Decimal:
        """Reference provision (拨备) on ``exposure``, half-up to the fen."""
        return (exposure * self.provision_rates[category.rank]).quantize(CENT, rounding=ROUND_HALF_UP)


DEFAULT_RULES = ClassificationRules()


@dataclass(frozen=True, slots=True)
class LoanDay:
    """What the end of day needs of one loan on one date (from its position, or a table row).

    ``accrued`` is the exact penalty accrual of the days before (``base x annual rate`` summed,
    not yet divided by the day basis) and ``posted`` the penalty posted for them.
    """

    loan_id: str
    day: date
    penalty_rate: Decimal  # annual, in force on the day
    day_basis: int
    compound: bool
    principal: Decimal  # outstanding principal (the exposure for provisions)
    base_principal: Decimal  # overdue principal past its grace
    base_interest: Decimal  # overdue interest past its grace (compound base)
    back_principal: Decimal  # overdue principal x grace days, for rows leaving grace today (no waiver)
    back_interest: Decimal
    oldest_unpaid: date | None
    flags: tuple[str, ...] = ()
    accrued: Decimal = ZERO
    posted: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Assessment:
    """The end-of-day figures of one loan for one date (日终评估结果)."""

    loan_id: str
    penalty: Decimal
    days_past_due: int
    category: Category
    provision: Decimal


def loan_day(
    position: Position,
    terms: ContractTerms,
    day: date,
    flags: tuple[str, ...] = (),
    *,
    accrued: Decimal = ZERO,
    posted: Decimal = ZERO,
) -> LoanDay:
    """Extract the penalty bases and ageing inputs from a position at the end of ``day``."""
    base_p = base_i = back_p = back_i = ZERO
    grace = terms.penalty.grace_days
    waives = terms.penalty.grace_waives
    for due in position.dues:
        if due.key == PENALTY_KEY or due.outstanding <= 0 or due.due_date >= day:
            continue
        late = (day - due.due_date).days
        if late <= grace:
            continue
        if due.component is Component.principal:
            base_p += due.outstanding
            if not waives and late == grace + 1:
                back_p += due.outstanding * grace
        elif due.component is Component.interest:
            base_i += due.outstanding
            if not waives and late == grace + 1:
                back_i += due.outstanding * grace
    return LoanDay(
        loan_id="",
        day=day,
        penalty_rate=terms.penalty_rate_on(day),
        day_basis=terms.penalty.day_basis,
        compound=terms.penalty.compound,
        principal=position.principal,
        base_principal=base_p,
        base_interest=base_i,
        back_principal=back_p,
        back_interest=back_i,
        oldest_unpaid=position.oldest_unpaid(),
        flags=flags,
        accrued=accrued,
        posted=posted,
    )


def accrual_of(day: LoanDay) -> Decimal:
    """The day's exact penalty accrual, ``base x annual penalty rate`` (yuan x basis days)."""
    base = day.base_principal + day.back_principal
    if day.compound:
        base += day.base_interest + day.back_interest
    return base * day.penalty_rate


def penalty_of(day: LoanDay) -> Decimal:
    """The penalty and compound interest to post for ``day`` (罚息 + 复利): everything accrued up to
    and including the day, rounded once, minus what was posted before."""
    accrual = accrual_of(day)
    if accrual <= 0:
        return ZERO
    return accrued_penalty(day.accrued + accrual, day.day_basis) - day.posted


def daily_penalty(amount: Decimal, annual_rate: Decimal, day_basis: int) -> Decimal:
    """One day's penalty on ``amount`` alone (``amount x rate / basis``, half-up to the fen)."""
    if amount <= 0:
        return ZERO
    return accrued_penalty(amount * annual_rate, day_basis)


def penalty_to_date(
    entries: Sequence[LedgerEntryRecord], before: date, day_basis: int
) -> tuple[Decimal, Decimal]:
    """(exact accrual, amount posted) of the live penalty postings dated before ``before``.

    A posting without its accrual (written before accruals were kept) counts as exactly its amount.
    """
    accrual = posted = ZERO
    for entry in live(entries):
        if entry.type == EntryType.penalty and entry.business_date < before:
            accrual += accrual_recorded(entry, day_basis)
            posted += entry.penalty
    return accrual, posted


def accrual_recorded(entry: LedgerEntryRecord, day_basis: int) -> Decimal:
    """The exact accrual a penalty posting carries."""
    value = entry.data.get(ACCRUAL)
    return Decimal(value) if value is not None else entry.penalty * day_basis


def penalty_change(
    entries: Sequence[LedgerEntryRecord],
    position: Position,
    terms: ContractTerms,
    day: date,
    flags: tuple[str, ...] = (),
) -> tuple[Decimal, Decimal]:
    """(amount, accrual) to post on ``day`` so that its penalty postings are what the end of day
    would post on ``position`` (used when a reversal replays the days after a payment)."""
    basis = terms.penalty.day_basis
    accrued, posted = penalty_to_date(entries, day, basis)
    today = loan_day(position, terms, day, flags, accrued=accrued, posted=posted)
    accrual, amount = accrual_of(today), penalty_of(today)
    for entry in live(entries):
        if entry.type == EntryType.penalty and entry.business_date == day:
            accrual -= accrual_recorded(entry, basis)
            amount -= entry.penalty
    return amount, accrual


def days_past_due(day: LoanDay) -> int:
    return max(0, (day.day - day.oldest_unpaid).days) if day.oldest_unpaid is not None else 0


def assess(day: LoanDay, rules: ClassificationRules = DEFAULT_RULES) -> Assessment:
    """Penalty, days past due, category and provision of one loan for one date (exact)."""
    dpd = days_past_due(day)
    category = rules.classify(dpd, day.flags)
    return Assessment(day.loan_id, penalty_of(day), dpd, category, rules.provision(category, day.principal))


def tier_index(policy: OverduePolicy | None, dpd: int) -> int | None:
    """The index of the product's overdue tier for ``dpd`` days, or None (逾期分档)."""
    if policy is None or dpd <= 0:
        return None
    for index, tier in enumerate(policy.tiers):
        if dpd >= tier.from_day and (tier.to_day is None or dpd <= tier.to_day):
            return index
    return None


__all__ = [
    "ACCRUAL",
    "CATEGORIES",
    "DEFAULT_RULES",
    "Assessment",
    "ClassificationRules",
    "LoanDay",
    "Override",
    "accrual_of",
    "accrual_recorded",
    "assess",
    "daily_penalty",
    "days_past_due",
    "loan_day",
    "penalty_change",
    "penalty_of",
    "penalty_to_date",
    "tier_index",
]

"""Overdue arithmetic (逾期计算): days past due, daily penalty and compound interest, the
five-category classification and provisions — pure functions of a loan's position on a date.

The end-of-day run calls :func:`assess` per loan (exact Decimal); the vectorised path
(:mod:`~loanfactory.servicing._vectorised`) computes the same figures over arrays and is reconciled
with this one to the fen by tests. Both take a :class:`LoanDay`, extracted from the position by
:func:`loan_day`.

Penalty for a day (罚息，按日计收) on the installments overdue at the end of that day and past
their grace days: ``overdue principal x penalty rate / day basis``, plus, when the contract has
compound interest (复利), ``overdue interest x penalty rate / day basis``, each rounded half-up to
the fen. When ``grace_waives`` is false, the day a row leaves its grace also charges the grace days
it skipped (penalty from the due date once the grace is exceeded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from loanfactory.schedule import penalty_interest
from loanfactory.servicing._loan import CATEGORIES, Category, Component, ServicingTerms, Value
from loanfactory.servicing._position import PENALTY_KEY, Position
from loanfactory.spec import OverduePolicy

ZERO = Decimal(0)
CENT = Decimal("0.01")


class Override(Value):
    """A classification floor for loans carrying ``flag`` (e.g. restructured → at least 关注)."""

    flag: str
    at_least: Category


class ClassificationRules(Value):
    """The five-category rules (五级分类) as data: day thresholds, overrides and provision rates.

    Defaults follow the 2023 rules: any overdue → at least 关注; more than 90 days → 次级; more
    than 270 → 可疑; more than 360 → 损失; reference provisions 1 % / 2 % / 25 % / 50 % / 100 %.
    """

    substandard_after: int = 90
    doubtful_after: int = 270
    loss_after: int = 360
    overrides: tuple[Override, ...] = (
        Override(flag="restructured", at_least=Category.special_mention),
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
    """What the end of day needs of one loan on one date (from its position, or a table row)."""

    loan_id: str
    day: date
    penalty_rate: Decimal  # annual
    day_basis: int
    compound: bool
    principal: Decimal  # outstanding principal (the exposure for provisions)
    base_principal: Decimal  # overdue principal past its grace
    base_interest: Decimal  # overdue interest past its grace (compound base)
    back_principal: Decimal  # overdue principal x grace days, for rows leaving grace today (no waiver)
    back_interest: Decimal
    oldest_unpaid: date | None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Assessment:
    """The end-of-day figures of one loan for one date (日终评估结果)."""

    loan_id: str
    penalty: Decimal
    days_past_due: int
    category: Category
    provision: Decimal


def loan_day(position: Position, terms: ServicingTerms, day: date, flags: tuple[str, ...] = ()) -> LoanDay:
    """Extract the penalty bases and ageing inputs from a position at the end of ``day``."""
    base_p = base_i = back_p = back_i = ZERO
    grace = terms.grace_days
    for due in position.dues:
        if due.key == PENALTY_KEY or due.outstanding <= 0 or due.due_date >= day:
            continue
        late = (day - due.due_date).days
        if late <= grace:
            continue
        if due.component is Component.principal:
            base_p += due.outstanding
            if not terms.grace_waives and late == grace + 1:
                back_p += due.outstanding * grace
        elif due.component is Component.interest:
            base_i += due.outstanding
            if not terms.grace_waives and late == grace + 1:
                back_i += due.outstanding * grace
    return LoanDay(
        loan_id="",
        day=day,
        penalty_rate=terms.penalty_rate,
        day_basis=terms.day_basis,
        compound=terms.compound,
        principal=position.principal,
        base_principal=base_p,
        base_interest=base_i,
        back_principal=back_p,
        back_interest=back_i,
        oldest_unpaid=position.oldest_unpaid(),
        flags=flags,
    )


def daily_penalty(amount: Decimal, annual_rate: Decimal, day_basis: int) -> Decimal:
    """One day's penalty on ``amount`` (``amount x rate / basis``, half-up to the fen), by the
    schedule engine's :func:`~loanfactory.schedule.penalty_interest` for a one-day span."""
    if amount <= 0:
        return ZERO
    return penalty_interest(
        overdue_principal=amount, days=1, rate=annual_rate, day_basis=day_basis, compound=False
    ).penalty


def penalty_of(day: LoanDay) -> Decimal:
    """The penalty and compound interest to post for ``day`` (罚息 + 复利)."""
    total = daily_penalty(day.base_principal, day.penalty_rate, day.day_basis)
    total += daily_penalty(day.back_principal, day.penalty_rate, day.day_basis)
    if day.compound:
        total += daily_penalty(day.base_interest, day.penalty_rate, day.day_basis)
        total += daily_penalty(day.back_interest, day.penalty_rate, day.day_basis)
    return total


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
    "CATEGORIES",
    "DEFAULT_RULES",
    "Assessment",
    "ClassificationRules",
    "LoanDay",
    "Override",
    "assess",
    "daily_penalty",
    "days_past_due",
    "loan_day",
    "penalty_of",
    "tier_index",
]

"""The vectorised end of day (向量化日终): penalty, ageing, classification and provisions over arrays.

Money is integer fen (``int64``) and rates are integers in units of 1e-8, so every figure equals the
exact Decimal path (:func:`~loanfactory.servicing.assess`) to the fen — no float is involved.
Half-up division ``round(x / d)`` is ``(2x + d) // 2d``; products that could overflow 64 bits
are split as ``base = a*d + b`` first. The penalty accrued so far is kept exactly as whole fen plus
a remainder in units of ``1 / (basis x 1e8)`` fen, so the cumulative penalty is rounded once, as
the exact path does. Penalty rates must have at most 8 decimal places and be below 100 % a year;
provision rates at most 6 decimal places (every real rate does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from loanfactory.errors import InvalidInput
from loanfactory.servicing._loan import CATEGORIES, Category
from loanfactory.servicing._overdue import DEFAULT_RULES, Assessment, ClassificationRules, LoanDay

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
RATE_SCALE = 100_000_000  # penalty rates in units of 1e-8
PROVISION_SCALE = 1_000_000
NONE = -1  # no unpaid installment


@dataclass(frozen=True, slots=True)
class Book:
    """One business date's end-of-day inputs for many loans, as arrays (one slot per loan)."""

    day: date
    rate: IntArray  # annual penalty rate x 1e8
    basis: IntArray  # 360 or 365
    compound: BoolArray
    principal: IntArray  # outstanding principal, fen
    base_principal: IntArray  # overdue principal past grace, fen
    base_interest: IntArray
    back_principal: IntArray  # grace days x overdue principal of rows leaving grace today (no waiver)
    back_interest: IntArray
    oldest_unpaid: IntArray  # date ordinal, or -1
    floor: IntArray  # override floor as a category rank (0 = none)
    accrued_fen: IntArray | None = None  # penalty accrued before the day: whole fen ...
    accrued_rest: IntArray | None = None  # ... and the rest, in units of 1 / (basis x 1e8) fen
    posted: IntArray | None = None  # penalty posted before the day, fen

    def __len__(self) -> int:
        return int(self.rate.shape[0])


@dataclass(frozen=True, slots=True)
class BookAssessment:
    """The vectorised results: penalty and provision in fen, days past due, category rank, tier."""

    penalty: IntArray
    days_past_due: IntArray
    category: IntArray  # rank: 0 normal .. 4 loss
    provision: IntArray
    tier: IntArray  # index of the overdue tier, or -1

    def row(self, index: int, loan_id: str = "") -> Assessment:
        """The results of one loan as the exact path states them."""
        return Assessment(
            loan_id,
            Decimal(int(self.penalty[index])) / 100,
            int(self.days_past_due[index]),
            CATEGORIES[int(self.category[index])],
            Decimal(int(self.provision[index])) / 100,
        )


def book_of(days: Sequence[LoanDay], rules: ClassificationRules = DEFAULT_RULES) -> Book:
    """The arrays of a list of :class:`LoanDay` (all on the same date)."""
    if not days:
        raise InvalidInput("no loans", field="days")
    day = days[0].day
    if any(d.day != day for d in days):
        raise InvalidInput("every loan must be on the same business date", field="days")
    accrued = [_split_accrual(d) for d in days]
    return Book(
        day=day,
        rate=np.array([_scaled(d.penalty_rate, RATE_SCALE, "penalty_rate") for d in days], dtype=np.int64),
        basis=np.array([d.day_basis for d in days], dtype=np.int64),
        compound=np.array([d.compound for d in days], dtype=np.bool_),
        principal=_fen([d.principal for d in days]),
        base_principal=_fen([d.base_principal for d in days]),
        base_interest=_fen([d.base_interest for d in days]),
        back_principal=_fen([d.back_principal for d in days]),
        back_interest=_fen([d.back_interest for d in days]),
        oldest_unpaid=np.array(
            [d.oldest_unpaid.toordinal() if d.oldest_unpaid else NONE for d in days], dtype=np.int64
        ),
        floor=np.array([rules.floor(d.flags).rank for d in days], dtype=np.int64),
        accrued_fen=np.array([w for w, _ in accrued], dtype=np.int64),
        accrued_rest=np.array([r for _, r in accrued], dtype=np.int64),
        posted=_fen([d.posted for d in days]),
    )


def _split_accrual(day: LoanDay) -> tuple[int, int]:
    """``day.accrued`` (yuan x annual rate) as whole fen and a remainder of ``basis x 1e8`` units."""
    units = day.accrued * 100 * RATE_SCALE
    if units != units.to_integral_value():
        raise InvalidInput(
            f"accrual {day.accrued} has too many decimal places for the vectorised path",
            field="accrued",
            message_zh=f"罚息计提 {day.accrued} 小数位过多，无法用向量化路径精确计算",
        )
    return divmod(int(units), day.day_basis * RATE_SCALE)


def assess_book(
    book: Book, rules: ClassificationRules = DEFAULT_RULES, tier_starts: Sequence[int] = ()
) -> BookAssessment:
    """Penalty, days past due, category, provision (and tier) of every loan in the book."""
    if np.any(book.rate >= RATE_SCALE) or np.any(book.rate < 0):
        raise InvalidInput("penalty rates must be from 0 to below 100 % a year", field="rate")
    penalty = _penalty(book)
    has = book.oldest_unpaid != NONE
    dpd = np.where(has, np.maximum(book.day.toordinal() - book.oldest_unpaid, 0), 0).astype(np.int64)
    rank = (
        (dpd > 0).astype(np.int64)
        + (dpd > rules.substandard_after)
        + (dpd > rules.doubtful_after)
        + (dpd > rules.loss_after)
    )
    rank = np.maximum(rank, book.floor)
    provision = provision_fen(book.principal, rank, rules)
    if tier_starts:
        starts = np.asarray(tier_starts, dtype=np.int64)
        tier = np.where(dpd >= starts[0], np.searchsorted(starts, dpd, side="right") - 1, -1).astype(np.int64)
    else:
        tier = np.full(len(book), -1, dtype=np.int64)
    return BookAssessment(penalty.astype(np.int64), dpd, rank.astype(np.int64), provision, tier)


def _penalty(book: Book) -> IntArray:
    """Fen to post: everything accrued up to and including the day, rounded once half-up, minus
    what was posted (nothing on a day without accrual)."""
    size = len(book)
    zeros = np.zeros(size, dtype=np.int64)
    denominator = book.basis * RATE_SCALE
    whole = zeros if book.accrued_fen is None else book.accrued_fen.copy()
    rest = zeros if book.accrued_rest is None else book.accrued_rest.copy()
    posted = zeros if book.posted is None else book.posted
    accruing = np.zeros(size, dtype=np.bool_)
    for base, counted in (
        (book.base_principal, True),
        (book.back_principal, True),
        (book.base_interest, book.compound),
        (book.back_interest, book.compound),
    ):
        amount: IntArray = np.where(counted, base, 0).astype(np.int64)
        accruing |= (amount > 0) & (book.rate > 0)
        high: IntArray = amount // denominator
        low: IntArray = amount % denominator
        whole = whole + high * book.rate
        rest = rest + low * book.rate  # below basis x 1e8 x 1e8 < 2^63, added to a rest below basis x 1e8
        whole = whole + rest // denominator
        rest = rest % denominator
    total = whole + (2 * rest >= denominator).astype(np.int64)
    return np.where(accruing, total - posted, 0).astype(np.int64)


def provision_fen(
    principal: IntArray, rank: IntArray, rules: ClassificationRules = DEFAULT_RULES
) -> IntArray:
    """The reference provision (拨备) of each loan in fen: principal (fen) x the rate of its class
    (rank 0 normal .. 4 loss), half-up per loan — :meth:`ClassificationRules.provision` on arrays."""
    rates = np.array(
        [_scaled(r, PROVISION_SCALE, "provision_rates") for r in rules.provision_rates], dtype=np.int64
    )
    return _share(principal, rates[rank], np.full(len(principal), PROVISION_SCALE, dtype=np.int64))


def _share(amount: IntArray, numerator: IntArray, denominator: IntArray) -> IntArray:
    """``round_half_up(amount * numerator / denominator)`` for non-negative integers, overflow-safe."""
    whole, rest = np.divmod(amount, denominator)
    return whole * numerator + (2 * rest * numerator + denominator) // (2 * denominator)


def _scaled(rate: Decimal, scale: int, field: str) -> int:
    scaled = rate * scale
    if scaled != scaled.to_integral_value():
        raise InvalidInput(
            f"rate {rate} has too many decimal places for the vectorised path",
            field=field,
            message_zh=f"利率 {rate} 小数位过多，无法用向量化路径精确计算",
        )
    return int(scaled)


def _fen(amounts: Sequence[Decimal]) -> IntArray:
    return np.array([int(a * 100) for a in amounts], dtype=np.int64)


def category_of(rank: int) -> Category:
    return CATEGORIES[rank]

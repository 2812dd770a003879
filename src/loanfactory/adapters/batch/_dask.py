"""Partitioned vectorised batch jobs on Dask (see the package docstring)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from loanfactory.calendar import Frequency
from loanfactory.conventions import RepaymentMethod
from loanfactory.errors import InvalidInput
from loanfactory.money import FEN_HALF_UP, RoundingPolicy
from loanfactory.schedule import VectorSchedule, vector_schedule
from loanfactory.servicing import (
    CATEGORIES,
    DEFAULT_RULES,
    Book,
    BookAssessment,
    Category,
    ClassificationRules,
    assess_book,
)

IntArray = npt.NDArray[np.int64]
SCHEDULERS = ("threads", "processes", "synchronous")
"""Dask's local schedulers; ``None`` means the running ``dask.distributed`` client."""


def _dask() -> ModuleType:
    try:
        import dask
    except ImportError:  # pragma: no cover - the [dask] extra is part of [all]
        raise ImportError("Dask is not installed: pip install 'loanfactory[dask]'") from None
    return dask


def _partitions(partitions: int | None, loans: int) -> int:
    if partitions is None:
        partitions = os.cpu_count() or 1
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise InvalidInput(
            f"partitions must be a positive whole number, got {partitions!r}",
            field="partitions",
            message_zh=f"分区数须为正整数，实际为 {partitions!r}",
        )
    if loans < 1:
        raise InvalidInput("the book has no loans", field="book", message_zh="贷款簿中没有贷款")
    return min(partitions, loans)


def _compute(tasks: Sequence[Any], scheduler: str | None) -> tuple[Any, ...]:
    if scheduler is not None and scheduler not in SCHEDULERS:
        raise InvalidInput(
            f"unknown scheduler {scheduler!r}: use {', '.join(SCHEDULERS)} or None (a running client)",
            field="scheduler",
            message_zh=f"未知的调度器 {scheduler!r}：可选 {'、'.join(SCHEDULERS)}，或 None（集群客户端）",
        )
    dask = _dask()
    options = {} if scheduler is None else {"scheduler": scheduler}
    return tuple(dask.compute(*tasks, **options))


def _slices(partitions: int | None, loans: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` ranges of (nearly) equal size covering ``loans``."""
    count = _partitions(partitions, loans)
    return list(pairwise(np.linspace(0, loans, count + 1).astype(np.int64).tolist()))


def split_book(book: Book, partitions: int) -> list[Book]:
    """``book`` cut into ``partitions`` consecutive slices of (nearly) equal size, in order."""
    arrays = {f.name: getattr(book, f.name) for f in dataclasses.fields(book) if f.name != "day"}
    return [
        Book(day=book.day, **{name: array[lo:hi] for name, array in arrays.items()})
        for lo, hi in _slices(partitions, len(book))
    ]


def assess_book_dask(
    book: Book,
    rules: ClassificationRules = DEFAULT_RULES,
    tier_starts: Sequence[int] = (),
    *,
    partitions: int | None = None,
    scheduler: str | None = "threads",
) -> BookAssessment:
    """:func:`~loanfactory.servicing.assess_book` of ``book`` in partitions; the same arrays."""
    dask = _dask()
    parts = split_book(book, _partitions(partitions, len(book)))
    task = dask.delayed(assess_book, pure=True)
    results: tuple[BookAssessment, ...] = _compute(
        [task(part, rules, tuple(tier_starts)) for part in parts], scheduler
    )
    return BookAssessment(
        **{
            f.name: np.concatenate([getattr(r, f.name) for r in results])
            for f in dataclasses.fields(BookAssessment)
        }
    )


@dataclass(frozen=True, slots=True)
class CategoryTotals:
    """One of the five categories of a book: how many loans, their principal, provision, penalty."""

    category: Category
    loans: int
    principal: Decimal
    provision: Decimal
    penalty: Decimal


@dataclass(frozen=True, slots=True)
class BookSummary:
    """The end of day of a book in totals (五级分类汇总), in yuan: nothing per loan is kept."""

    day: date
    loans: int
    overdue_loans: int
    principal: Decimal
    penalty: Decimal
    provision: Decimal
    categories: tuple[CategoryTotals, ...]  # normal .. loss, every one listed
    tiers: tuple[int, ...]  # loans per overdue tier (as ``tier_starts``)

    def category(self, category: Category | str) -> CategoryTotals:
        return next(c for c in self.categories if c.category == category)


_SUMS = 4  # per category: loans, principal, provision, penalty (integer fen)


def _partial(book: Book, rules: ClassificationRules, tier_starts: tuple[int, ...]) -> IntArray:
    """Integer sums of one partition: a (5, 4) block per category, then tier counts, then overdue."""
    result = assess_book(book, rules, tier_starts)
    size = len(CATEGORIES)
    sums = np.zeros((size, _SUMS), dtype=np.int64)
    sums[:, 0] = np.bincount(result.category, minlength=size)
    for column, values in ((1, book.principal), (2, result.provision), (3, result.penalty)):
        np.add.at(sums[:, column], result.category, values)
    tiers = np.bincount(result.tier[result.tier >= 0], minlength=len(tier_starts))[: len(tier_starts)]
    overdue = np.array([np.count_nonzero(result.days_past_due > 0)], dtype=np.int64)
    return np.concatenate([sums.ravel(), tiers.astype(np.int64), overdue])


def _summary(day: date, totals: IntArray, tiers: int) -> BookSummary:
    size = len(CATEGORIES)
    sums = totals[: size * _SUMS].reshape(size, _SUMS)

    def yuan(fen: Any) -> Decimal:
        return Decimal(int(fen)) / 100

    categories = tuple(
        CategoryTotals(category, int(row[0]), yuan(row[1]), yuan(row[2]), yuan(row[3]))
        for category, row in zip(CATEGORIES, sums, strict=True)
    )
    return BookSummary(
        day=day,
        loans=int(sums[:, 0].sum()),
        overdue_loans=int(totals[-1]),
        principal=yuan(sums[:, 1].sum()),
        penalty=yuan(sums[:, 3].sum()),
        provision=yuan(sums[:, 2].sum()),
        categories=categories,
        tiers=tuple(int(t) for t in totals[size * _SUMS : size * _SUMS + tiers]),
    )


def summarise_book(
    book: Book, rules: ClassificationRules = DEFAULT_RULES, tier_starts: Sequence[int] = ()
) -> BookSummary:
    """The totals of the end of day of ``book`` in this process."""
    if len(book) < 1:
        raise InvalidInput("the book has no loans", field="book", message_zh="贷款簿中没有贷款")
    starts = tuple(tier_starts)
    return _summary(book.day, _partial(book, rules, starts), len(starts))


def summarise_book_dask(
    book: Book,
    rules: ClassificationRules = DEFAULT_RULES,
    tier_starts: Sequence[int] = (),
    *,
    partitions: int | None = None,
    scheduler: str | None = "threads",
) -> BookSummary:
    """:func:`summarise_book` in partitions: each sends back a few integers, summed exactly."""
    dask = _dask()
    starts = tuple(tier_starts)
    parts = split_book(book, _partitions(partitions, len(book)))
    task = dask.delayed(_partial, pure=True)
    partials: tuple[IntArray, ...] = _compute([task(part, rules, starts) for part in parts], scheduler)
    return _summary(book.day, np.sum(partials, axis=0), len(starts))


def vector_schedule_dask(
    principal_fen: IntArray,
    rate_units: IntArray,
    term: int,
    *,
    method: RepaymentMethod = RepaymentMethod.annuity,
    frequency: Frequency = Frequency.monthly,
    every: int = 1,
    rounding: RoundingPolicy = FEN_HALF_UP,
    installment_multiple: Decimal | None = None,
    partitions: int | None = None,
    scheduler: str | None = "threads",
) -> VectorSchedule:
    """:func:`~loanfactory.schedule.vector_schedule` of a book in partitions of loans; the same arrays."""
    dask = _dask()
    principal_fen = np.asarray(principal_fen, dtype=np.int64)
    rate_units = np.asarray(rate_units, dtype=np.int64)
    if principal_fen.shape != rate_units.shape or principal_fen.ndim != 1:
        raise InvalidInput(
            "principal and rate arrays must be one-dimensional and of equal length", field="principal"
        )
    task = dask.delayed(vector_schedule, pure=True)
    conventions = {
        "method": method,
        "frequency": frequency,
        "every": every,
        "rounding": rounding,
        "installment_multiple": installment_multiple,
    }
    parts: tuple[VectorSchedule, ...] = _compute(
        [
            task(principal_fen[lo:hi], rate_units[lo:hi], term, **conventions)
            for lo, hi in _slices(partitions, principal_fen.shape[0])
        ],
        scheduler,
    )
    return VectorSchedule(
        principal=np.concatenate([p.principal for p in parts], axis=1),
        interest=np.concatenate([p.interest for p in parts], axis=1),
        installment=np.concatenate([p.installment for p in parts]),
        flagged=sum(p.flagged for p in parts),
        arithmetic="int64" if all(p.arithmetic == "int64" for p in parts) else "float64",
    )

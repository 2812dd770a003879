"""Synthetic loan books for the vectorised end of day: what a database hands over for one date.

:func:`synthetic_book` draws a seeded book (85 % current, 15 % overdue with random overdue
principal and interest, 1–900 days past due with penalty accrued and posted before the day, mixed
penalty rates, day bases, compound flags and classification overrides); :func:`loan_days` gives
the same loans as the exact per-loan path takes them, so that tests and benchmarks can reconcile
the two to the fen.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from loanfactory.servicing import NONE, RATE_SCALE, Book, LoanDay

OVERRIDE_FLAGS: dict[int, tuple[str, ...]] = {0: (), 1: ("fund-misuse",), 2: ("litigation",)}
"""The flags behind each override floor of a synthetic book (as in the default rules)."""


def synthetic_book(n: int, day: date = date(2026, 6, 30), seed: int = 6) -> Book:
    """A seeded book of ``n`` loans on business date ``day``."""
    rng = np.random.default_rng(seed)
    overdue = rng.random(n) < 0.15
    principal = rng.integers(100_000, 100_000_000, n)  # 1 000 to 1 000 000 yuan, in fen
    base_principal = np.where(overdue, (principal * rng.random(n) * 0.3).astype(np.int64), 0)
    base_interest = np.where(overdue, rng.integers(0, 500_000, n), 0)
    leaving_grace = overdue & (rng.random(n) < 0.05)
    rate_bp = rng.choice(np.array([390, 420, 450, 720, 1080, 1440], dtype=np.int64), n)
    uplift = rng.choice(np.array([30, 40, 50], dtype=np.int64), n)
    days = rng.integers(1, 900, n)
    flags = rng.random(n)
    basis = rng.choice(np.array([360, 365], dtype=np.int64), n)
    accrued_fen = np.where(overdue, rng.integers(0, 5_000_000, n), 0).astype(np.int64)
    accrued_rest = np.where(overdue, rng.integers(0, 360 * RATE_SCALE, n), 0).astype(np.int64)
    posted = accrued_fen + (2 * accrued_rest >= basis * RATE_SCALE)  # what the days before posted
    return Book(
        day=day,
        rate=rate_bp * (100 + uplift) * (RATE_SCALE // 1_000_000),  # bp x (1 + uplift%) in 1e-8
        basis=basis,
        compound=rng.random(n) < 0.8,
        principal=principal.astype(np.int64),
        base_principal=base_principal.astype(np.int64),
        base_interest=base_interest.astype(np.int64),
        back_principal=np.where(leaving_grace, base_principal * 3, 0).astype(np.int64),
        back_interest=np.where(leaving_grace, base_interest * 3, 0).astype(np.int64),
        oldest_unpaid=np.where(overdue, day.toordinal() - days, NONE).astype(np.int64),
        floor=np.where(flags < 0.01, 1, np.where(flags < 0.015, 2, 0)).astype(np.int64),
        accrued_fen=accrued_fen,
        accrued_rest=accrued_rest,
        posted=posted.astype(np.int64),
    )


def loan_days(book: Book, indexes: npt.NDArray[np.int64]) -> list[LoanDay]:
    """The loans at ``indexes`` as :class:`LoanDay` values for the exact path."""
    out = []
    for i in indexes.tolist():
        oldest = int(book.oldest_unpaid[i])
        basis = int(book.basis[i])
        units = _int(book.accrued_fen, i) * basis * RATE_SCALE + _int(book.accrued_rest, i)
        out.append(
            LoanDay(
                loan_id=str(i),
                day=book.day,
                penalty_rate=Decimal(int(book.rate[i])) / RATE_SCALE,
                day_basis=basis,
                compound=bool(book.compound[i]),
                principal=Decimal(int(book.principal[i])) / 100,
                base_principal=Decimal(int(book.base_principal[i])) / 100,
                base_interest=Decimal(int(book.base_interest[i])) / 100,
                back_principal=Decimal(int(book.back_principal[i])) / 100,
                back_interest=Decimal(int(book.back_interest[i])) / 100,
                oldest_unpaid=date.fromordinal(oldest) if oldest != NONE else None,
                flags=OVERRIDE_FLAGS[int(book.floor[i])],
                accrued=Decimal(units) / (100 * RATE_SCALE),
                posted=Decimal(_int(book.posted, i)) / 100,
            )
        )
    return out


def _int(values: npt.NDArray[np.int64] | None, index: int) -> int:
    return 0 if values is None else int(values[index])

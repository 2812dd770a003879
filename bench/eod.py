"""Benchmark of the end of day (issue 6): 1 M loans on one core, vectorised and per loan.

A synthetic book of ``--loans`` loans on one business date (85 % current, 15 % overdue with random
overdue principal and interest, days past due from 1 to 900, mixed rates, day bases, compound
flags and classification overrides) is assessed for the day's penalty and compound interest,
days past due, five-category class, provision and overdue tier:

- ``vectorised``: :func:`loanfactory.servicing.assess_book` over integer arrays (best of 3);
- ``per-loan``: :func:`loanfactory.servicing.assess` (exact Decimal) on a sample of ``--sample``
  loans, scaled to the whole book (the ratio is per-loan time / vectorised time).

Before timing, the sample's results are compared between the two paths: every figure must be equal
to the fen. Goal: vectorised ≤ 1 s for 1 M loans on one core. Times are CPU seconds of this
process (numpy runs these element-wise kernels on one thread). ``--json`` prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from decimal import Decimal

import numpy as np

from loanfactory.servicing import DEFAULT_RULES, Book, LoanDay, assess, assess_book
from loanfactory.servicing._vectorised import NONE, RATE_SCALE

DAY = date(2026, 6, 30)
TIERS = (1, 31, 91)


def synthetic_book(n: int, seed: int = 6) -> Book:
    """Arrays of a book: what a database would hand over (sums per loan) for one date."""
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
    return Book(
        day=DAY,
        rate=rate_bp * (100 + uplift) * (RATE_SCALE // 1_000_000),  # bp x (1 + uplift%) in 1e-8
        basis=rng.choice(np.array([360, 365], dtype=np.int64), n),
        compound=rng.random(n) < 0.8,
        principal=principal.astype(np.int64),
        base_principal=base_principal.astype(np.int64),
        base_interest=base_interest.astype(np.int64),
        back_principal=np.where(leaving_grace, base_principal * 3, 0).astype(np.int64),
        back_interest=np.where(leaving_grace, base_interest * 3, 0).astype(np.int64),
        oldest_unpaid=np.where(overdue, DAY.toordinal() - days, NONE).astype(np.int64),
        floor=np.where(flags < 0.01, 1, np.where(flags < 0.015, 2, 0)).astype(np.int64),
    )


def loan_days(book: Book, indexes: np.ndarray) -> list[LoanDay]:
    """The same loans as the exact path takes them."""
    flags = {0: (), 1: ("fund-misuse",), 2: ("litigation",)}
    out = []
    for i in indexes.tolist():
        oldest = int(book.oldest_unpaid[i])
        out.append(
            LoanDay(
                loan_id=str(i),
                day=book.day,
                penalty_rate=Decimal(int(book.rate[i])) / RATE_SCALE,
                day_basis=int(book.basis[i]),
                compound=bool(book.compound[i]),
                principal=Decimal(int(book.principal[i])) / 100,
                base_principal=Decimal(int(book.base_principal[i])) / 100,
                base_interest=Decimal(int(book.base_interest[i])) / 100,
                back_principal=Decimal(int(book.back_principal[i])) / 100,
                back_interest=Decimal(int(book.back_interest[i])) / 100,
                oldest_unpaid=date.fromordinal(oldest) if oldest != NONE else None,
                flags=flags[int(book.floor[i])],
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="End-of-day benchmark: vectorised vs per loan.")
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    book = synthetic_book(args.loans)
    rng = np.random.default_rng(1)
    sample = np.sort(rng.choice(args.loans, size=min(args.sample, args.loans), replace=False))
    days = loan_days(book, sample)

    # correctness first: the sample, both ways, to the fen
    results = assess_book(book, DEFAULT_RULES, tier_starts=TIERS)
    exact = [assess(day) for day in days]
    mismatches = sum(results.row(int(i), str(i)) != e for i, e in zip(sample.tolist(), exact, strict=True))
    if mismatches:
        print(f"MISMATCH: {mismatches} of {len(days)} loans differ between the paths", file=sys.stderr)
        return 1

    vectorised = min(_timed(lambda: assess_book(book, DEFAULT_RULES, tier_starts=TIERS)) for _ in range(3))
    per_loan_sample = min(_timed(lambda: [assess(day) for day in days]) for _ in range(2))
    per_loan = per_loan_sample / len(days) * args.loans
    overdue = int(np.count_nonzero(book.oldest_unpaid != NONE))
    penalty = Decimal(int(results.penalty.sum())) / 100
    figures = {
        "loans": args.loans,
        "overdue_loans": overdue,
        "penalty_total": str(penalty),
        "vectorised_s": round(vectorised, 4),
        "per_loan_sample": len(days),
        "per_loan_us": round(per_loan_sample / len(days) * 1e6, 2),
        "per_loan_s_scaled": round(per_loan, 2),
        "ratio": round(per_loan / vectorised, 1),
        "goal_vectorised_s": 1.0,
        "goal_met": vectorised <= 1.0,
        "reconciled_loans": len(days),
    }
    print(f"end of day for {args.loans:,} loans on {DAY} ({overdue:,} overdue), one core", file=sys.stderr)
    print(
        f"  vectorised (numpy, integer fen)   {vectorised:8.3f} s   goal <= 1 s: "
        f"{'met' if vectorised <= 1.0 else 'NOT met'}",
        file=sys.stderr,
    )
    print(
        f"  per loan (Decimal), scaled        {per_loan:8.1f} s   "
        f"({figures['per_loan_us']} µs per loan on {len(days):,} loans)",
        file=sys.stderr,
    )
    print(f"  ratio per-loan / vectorised       {figures['ratio']:8.1f} x", file=sys.stderr)
    print(
        f"  reconciled to the fen on {len(days):,} loans; penalty of the day {penalty} yuan", file=sys.stderr
    )
    if args.json:
        print(json.dumps(figures))
    return 0


def _timed(work: object) -> float:
    """CPU seconds of one call (process time: the figure for one core, whatever else the machine runs)."""
    assert callable(work)
    started = time.process_time()
    work()
    return time.process_time() - started


if __name__ == "__main__":
    raise SystemExit(main())

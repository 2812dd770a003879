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

from loanfactory.servicing import DEFAULT_RULES, assess, assess_book
from loanfactory.servicing._vectorised import NONE
from loanfactory.testing import loan_days, synthetic_book

DAY = date(2026, 6, 30)
TIERS = (1, 31, 91)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="End-of-day benchmark: vectorised vs per loan.")
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    book = synthetic_book(args.loans, DAY)
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

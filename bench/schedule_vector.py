"""Benchmark: 1,000,000 loans x 12 periods, vectorised posting schedules with rounding.

Times, in this process (numpy on one thread), best of interleaved runs after a warm-up:

- ``bare numpy``: the baseline — a float64 loop of ``interest = round(b * i, 2)``, ``principal =
  pmt - interest``, ``b -= principal`` storing both arrays; no exactness, no policy;
- ``vector_schedule``: :func:`loanfactory.schedule.vector_schedule` — integer fen in and out, the
  rounding policy, boundary values recomputed exactly so that every row equals the Decimal path;
- ``numpy-financial``: ``npf.pmt`` + ``npf.ipmt`` + ``npf.ppmt`` for the same loans (reference).

The goal: ≤ 0.5 s per core, where the bare loop measured 0.38 s and numpy-financial 3.7 s — ratios
≤ 1.32 to the bare loop and ≤ 0.135 to numpy-financial in the same run.
Run: ``.venv/bin/python bench/schedule_vector.py [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the goal says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import numpy_financial as npf

from loanfactory.schedule import vector_schedule

GOAL_RATIO = 0.5 / 0.38  # to the bare numpy loop
GOAL_RATIO_FINANCIAL = 0.5 / 3.7  # to numpy-financial
TERM = 12


def bare(principal_yuan: np.ndarray, rate: np.ndarray) -> None:  # type: ignore[type-arg]
    i = rate / 12
    growth = (1 + i) ** TERM
    pmt = np.round(principal_yuan * i * growth / (growth - 1), 2)
    b = principal_yuan.copy()
    principal = np.empty((TERM, b.shape[0]))
    interest = np.empty((TERM, b.shape[0]))
    for k in range(TERM):
        interest[k] = np.round(b * i, 2)
        principal[k] = b if k == TERM - 1 else pmt - interest[k]
        b = b - principal[k]


def financial(principal_yuan: np.ndarray, rate: np.ndarray) -> None:  # type: ignore[type-arg]
    i = rate / 12
    periods = np.arange(1, TERM + 1)[:, None]
    npf.pmt(i, TERM, -principal_yuan)
    npf.ipmt(i, periods, TERM, -principal_yuan)
    npf.ppmt(i, periods, TERM, -principal_yuan)


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--loans", type=int, default=1_000_000, help="loans in the book (default 1,000,000)")
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of each, interleaved; best kept (default 5)"
    )
    parser.add_argument("--skip-financial", action="store_true", help="do not time numpy-financial (slow)")
    parser.add_argument("--json", action="store_true", help="print one JSON line last")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(20250702)
    principal_fen = rng.integers(1_000_00, 500_000_00, args.loans)
    rate_units = rng.integers(30_000, 240_000, args.loans)  # 3 % to 24 %, in millionths
    principal_yuan = principal_fen / 100
    rate = rate_units / 1_000_000
    cases: dict[str, Callable[[], object]] = {
        "bare numpy": lambda: bare(principal_yuan, rate),
        "vector_schedule": lambda: vector_schedule(principal_fen, rate_units, TERM),
    }
    if not args.skip_financial:
        cases["numpy-financial"] = lambda: financial(principal_yuan, rate)
    for func in cases.values():  # warm-up: first-touch page faults of the big arrays
        func()
    results = dict.fromkeys(cases, float("inf"))
    for _ in range(args.repeat):
        for name, func in cases.items():
            results[name] = min(results[name], timed(func))
    flagged = vector_schedule(principal_fen, rate_units, TERM).flagged
    base = results["bare numpy"]
    print(f"{args.loans:,} loans x {TERM} periods, half-up to the fen ({flagged} values recomputed exactly)")
    print(f"{'case':<18}{'s':>8}{'x bare':>9}")
    for name, seconds in results.items():
        print(f"{name:<18}{seconds:>8.3f}{seconds / base:>9.2f}")
    ratio = results["vector_schedule"] / base
    verdict = "met" if ratio <= GOAL_RATIO else "missed"
    print(f"goal: vector_schedule <= {GOAL_RATIO:.2f} x bare (0.5 s vs 0.38 s): {ratio:.2f} x — {verdict}")
    financial_ratio = None
    if "numpy-financial" in results:
        financial_ratio = results["vector_schedule"] / results["numpy-financial"]
        verdict = "met" if financial_ratio <= GOAL_RATIO_FINANCIAL else "missed"
        print(
            f"goal: vector_schedule <= {GOAL_RATIO_FINANCIAL:.3f} x numpy-financial (0.5 s vs 3.7 s): "
            f"{financial_ratio:.3f} x — {verdict}"
        )
    if args.json:
        print(
            json.dumps(
                {
                    "bench": "schedule_vector",
                    "loans": args.loans,
                    "seconds": {name: round(seconds, 4) for name, seconds in results.items()},
                    "ratio": round(ratio, 3),
                    "goal_ratio": round(GOAL_RATIO, 3),
                    "ratio_financial": None if financial_ratio is None else round(financial_ratio, 4),
                    "goal_ratio_financial": round(GOAL_RATIO_FINANCIAL, 4),
                    "met": ratio <= GOAL_RATIO,
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

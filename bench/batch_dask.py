"""Benchmark of the Dask batch adapter: a book's end of day and schedules in partitions vs one call.

In one run, best of ``--repeat``:

- ``summary``: :func:`loanfactory.adapters.batch.summarise_book` of ``--loans`` loans in this
  process, against :func:`summarise_book_dask` with 2 and 8 partitions on Dask's threaded
  scheduler;
- ``schedules``: :func:`loanfactory.schedule.vector_schedule` of the same number of loans x 12
  months, against :func:`vector_schedule_dask` with 2 partitions.

Each partitioned result is checked equal to the single one before timing. The ratio is
partitioned time / single time (below 1 means the partitions helped). ``--json`` prints one JSON
line last.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable

import numpy as np

from loanfactory.adapters.batch import summarise_book, summarise_book_dask, vector_schedule_dask
from loanfactory.schedule import vector_schedule
from loanfactory.servicing import DEFAULT_RULES
from loanfactory.testing.books import synthetic_book

TIERS = (1, 31, 91)


def best(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    book = synthetic_book(args.loans)
    single = summarise_book(book, DEFAULT_RULES, TIERS)
    for partitions in (2, 8):
        if summarise_book_dask(book, DEFAULT_RULES, TIERS, partitions=partitions) != single:
            raise SystemExit(f"MISMATCH: the summary in {partitions} partitions differs")
    rng = np.random.default_rng(1)
    principal = rng.integers(100_000, 10**8, args.loans)
    rate = rng.integers(30_000, 240_000, args.loans)
    whole = vector_schedule(principal, rate, 12)
    parts = vector_schedule_dask(principal, rate, 12, partitions=2)
    if not (
        np.array_equal(whole.principal, parts.principal) and np.array_equal(whole.interest, parts.interest)
    ):
        raise SystemExit("MISMATCH: the schedules in partitions differ")

    seconds = {
        "summary": best(lambda: summarise_book(book, DEFAULT_RULES, TIERS), args.repeat),
        "summary, dask 2": best(
            lambda: summarise_book_dask(book, DEFAULT_RULES, TIERS, partitions=2), args.repeat
        ),
        "summary, dask 8": best(
            lambda: summarise_book_dask(book, DEFAULT_RULES, TIERS, partitions=8), args.repeat
        ),
        "schedules": best(lambda: vector_schedule(principal, rate, 12), args.repeat),
        "schedules, dask 2": best(
            lambda: vector_schedule_dask(principal, rate, 12, partitions=2), args.repeat
        ),
    }
    ratios = {
        "summary_dask2": seconds["summary, dask 2"] / seconds["summary"],
        "summary_dask8": seconds["summary, dask 8"] / seconds["summary"],
        "schedules_dask2": seconds["schedules, dask 2"] / seconds["schedules"],
    }
    print(f"{args.loans:,} loans, {os.cpu_count()} cores, Dask threaded scheduler")
    for name, value in seconds.items():
        print(f"  {name:<20}{value:8.3f} s")
    for name, value in ratios.items():
        print(f"  ratio {name:<16}{value:6.2f} (partitioned / single)")
    if args.json:
        print(
            json.dumps(
                {
                    "bench": "batch_dask",
                    "loans": args.loans,
                    "seconds": {k: round(v, 4) for k, v in seconds.items()},
                    "ratios": {k: round(v, 3) for k, v in ratios.items()},
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

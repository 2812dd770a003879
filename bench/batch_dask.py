"""Benchmark of the Dask batch adapter: a book's end of day and schedules in partitions vs one call.

In one run, best of ``--repeat``:

- ``summary``: :func:`loanfactory.adapters.batch.summarise_book` of ``--loans`` loans in this
  process, against :func:`summarise_book_dask` with 2 and 8 partitions on Dask's threaded
  scheduler;
- ``schedules``: :func:`loanfactory.schedule.vector_schedule` of the same number of loans x 12
  months, against :func:`vector_schedule_dask` with 2 partitions.

- ``stored``: the end of day of a book stored in PostgreSQL (``--stored-loans``, built by
  :mod:`loanfactory.testing.stored_book`, written twice into two databases): ``Servicing.run_eod``
  in this process against :func:`run_eod_dask` on a ``LocalCluster`` of ``--workers`` processes,
  first run and next day, wall seconds; the two databases' ledgers are checked equal after.
  PostgreSQL: ``--pg URL`` or ``$LOANFACTORY_TEST_PG_URL``, else a throwaway server from the
  local binaries (as ``persistence.py`` starts one); ``--stored-loans 0`` skips it.

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
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import numpy as np

from loanfactory.adapters.batch import summarise_book, summarise_book_dask, vector_schedule_dask
from loanfactory.schedule import vector_schedule
from loanfactory.servicing import DEFAULT_RULES
from loanfactory.testing import synthetic_book
from persistence import postgres  # the throwaway PostgreSQL server the persistence benchmark starts

TIERS = (1, 31, 91)
ROOT = Path(__file__).resolve().parent.parent
BOOK_DAY = date(2026, 6, 30)


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
    parser.add_argument("--stored-loans", type=int, default=2000, help="stored book on PostgreSQL (0: skip)")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes for the stored book")
    parser.add_argument("--pg", default=os.environ.get("LOANFACTORY_TEST_PG_URL"), help="PostgreSQL URL")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    stored: dict[str, Any] = {}
    if args.stored_loans > 0:
        with postgres(args.pg) as server:
            if server is None:
                print("stored book skipped: no PostgreSQL")
            else:
                stored = stored_eod(server, args.stored_loans, args.workers)
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
                    "stored": stored,
                }
            )
        )
    return 0


def _database(server: str, name: str) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def stored_eod(server: str, loans: int, workers: int) -> dict[str, Any]:
    """Two days of end of day on one stored book, in this process and on Dask (wall seconds)."""
    from distributed import Client, LocalCluster
    from sqlalchemy import text

    from loanfactory.adapters.batch import StoredServicing, run_eod_dask
    from loanfactory.adapters.sql import SqlStore
    from loanfactory.entity import CST
    from loanfactory.testing import FixedClock
    from loanfactory.testing.stored_book import make_templates, write_copies

    kinds = make_templates(BOOK_DAY, min(42, loans))
    urls = {}
    for name in ("single", "dask"):
        urls[name] = _database(server, f"lf_bench_dask_{name}")
        store = SqlStore(urls[name], cipher=None, migrate=True)
        write_copies(store, kinds, loans, BOOK_DAY)
        store.dispose()

    def recipe(url: str, day: date) -> StoredServicing:
        clock = FixedClock(datetime.combine(day, clock_time(23), tzinfo=CST))
        return StoredServicing(url=url, products=ROOT / "products", clock=clock)

    seconds: dict[str, float] = {}
    agenda: dict[str, int] = {}
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        for offset, label in ((0, "first run"), (1, "next day")):
            day = BOOK_DAY + timedelta(days=offset)
            with recipe(urls["single"], day).open() as servicing:
                started = time.perf_counter()
                run = servicing.run_eod(day)
                seconds[f"{label}, one process"] = time.perf_counter() - started
                agenda[label] = run.agenda
            plan = recipe(urls["dask"], day)
            with plan.open() as servicing:
                started = time.perf_counter()
                run_eod_dask(servicing, day, plan.open, client=client, partitions=4 * workers)
                seconds[f"{label}, dask {workers} workers"] = time.perf_counter() - started
    totals = []
    for url in urls.values():
        store = SqlStore(url, cipher=None)
        with store.engine.connect() as connection:
            totals.append(
                connection.execute(
                    text("SELECT count(*), sum(amount), sum(penalty), sum(interest) FROM ledger_entries")
                ).one()
            )
        store.dispose()
    if totals[0] != totals[1]:
        raise SystemExit(f"MISMATCH: the ledgers differ: {totals}")
    print(f"stored book on PostgreSQL, {loans:,} loans (agenda {agenda}), wall seconds:")
    for name, value in seconds.items():
        print(f"  {name:<28}{value:8.2f} s")
    ratios = {
        label: seconds[f"{label}, dask {workers} workers"] / seconds[f"{label}, one process"]
        for label in ("first run", "next day")
    }
    for label, value in ratios.items():
        print(f"  ratio {label:<22}{value:6.2f} (dask / one process)")
    return {
        "loans": loans,
        "workers": workers,
        "agenda": agenda,
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
        "ratios": {k: round(v, 3) for k, v in ratios.items()},
    }


if __name__ == "__main__":
    raise SystemExit(main())

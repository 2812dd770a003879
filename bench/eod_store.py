"""Benchmark: the end of day on a stored book (日终批处理，存储路径) — what a bank runs every night.

A book of ``--loans`` loans (comma-separated sizes; 1,000 and 10,000 by default, 100,000 with
``--big``) is written by :func:`loanfactory.testing.stored_book.build_stored_book` — copies of
template loans that lived through the real servicing path: current, in grace, overdue in each
tier, prepaid, written off, of every age — into each store: the in-memory store, SQLite (a file in
a temporary folder) and PostgreSQL when ``$LOANFACTORY_BENCH_PG`` names a database (its tables are
dropped and recreated: give it a scratch database).

For each store and size, in a fresh process (so that its peak memory is its own):

- **first run**: ``Servicing.run_eod`` on the book date, with no end of day before it (every
  active loan is on the agenda);
- **steady day**: the next business date (only the loans with work that day);
- CPU seconds of this process and wall seconds of each; peak RSS of the process;
- **kernel**: the in-memory vectorised kernel (:func:`loanfactory.servicing.assess_book`) on the
  same book — every active loan's inputs for the steady day — best of 3; the ratio is the store
  path's CPU per loan in the book over the kernel's time per loan.

Times are whatever the machine gives while it runs (it is shared): the ratios measured in one
run are the figures that travel. ``--json`` prints one JSON line last.

Run: ``.venv/bin/python bench/eod_store.py [--loans 1000,10000] [--stores memory,sqlite] [--big]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

DAY = date(2026, 6, 30)
HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", default="1000,10000", help="book sizes, comma-separated")
    parser.add_argument("--big", action="store_true", help="add a 100,000-loan book")
    parser.add_argument("--stores", default="memory,sqlite", help="memory, sqlite, postgresql")
    parser.add_argument("--templates", type=int, default=42)
    parser.add_argument("--one", nargs=2, metavar=("STORE", "LOANS"), help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one[0], int(args.one[1]), args.templates)))
        return 0
    sizes = [int(s) for s in args.loans.split(",") if s.strip()] + ([100_000] if args.big else [])
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if "postgresql" in stores and not os.environ.get("LOANFACTORY_BENCH_PG"):
        print("postgresql skipped: $LOANFACTORY_BENCH_PG is not set", file=sys.stderr)
        stores.remove("postgresql")
    print(f"load average {os.getloadavg()[0]:.2f} at the start (the machine is shared)", file=sys.stderr)
    results: list[dict[str, Any]] = []
    for size in sizes:
        for store in stores:
            done = subprocess.run(
                [sys.executable, __file__, "--one", store, str(size), "--templates", str(args.templates)],
                capture_output=True,
                text=True,
                cwd=HERE.parent,
            )
            if done.returncode != 0:
                print(done.stdout + done.stderr, file=sys.stderr)
                return 1
            figures = json.loads(done.stdout.splitlines()[-1])
            results.append(figures)
            _print(figures)
    if args.json:
        print(json.dumps({"day": DAY.isoformat(), "runs": results}))
    return 0


def measure(kind: str, loans: int, templates: int) -> dict[str, Any]:
    from loanfactory.entity import SequentialIds
    from loanfactory.servicing import Loan, LoanStatus, Servicing, ServicingConfig, assess_book, book_of
    from loanfactory.servicing._eod import penalty_day
    from loanfactory.servicing._ledger import Postings
    from loanfactory.spec import load_product_or_raise
    from loanfactory.testing import FixedClock, SimulatedGateway, SimulatedSigner
    from loanfactory.testing.stored_book import build_stored_book

    product = load_product_or_raise(Path("products") / "consumer_credit.yaml")
    clock = FixedClock(DAY)
    with tempfile.TemporaryDirectory() as folder:
        store = _store(kind, Path(folder), clock)
        started = time.perf_counter()
        book = build_stored_book(store, loans, DAY, templates=templates, product=product)
        built = time.perf_counter() - started
        rss_built = _rss_mb()
        servicing = Servicing(
            store,
            clock,
            products={product.code: product},
            gateway=SimulatedGateway(clock),
            signer=SimulatedSigner(),
            ids=SequentialIds(),
            config=ServicingConfig(),
        )
        first = _timed(lambda: servicing.run_eod(DAY, allow_gap=True))
        steady_day = DAY + timedelta(days=1)
        clock.set(steady_day)
        steady = _timed(lambda: servicing.run_eod(steady_day))
        with store.transaction() as tx:
            active = tx.repo(Loan).list(status=LoanStatus.active)
            states = Counter(_state(loan) for loan in active)
            days = [
                penalty_day(servicing.context, tx, loan, steady_day, Postings(tx, loan.id, clock.now()))
                for loan in active
            ]
        kernel_book = book_of(days, servicing.rules)
        kernel = min(_cpu(lambda: assess_book(kernel_book, servicing.rules)) for _ in range(3))
        if kind == "postgresql":
            store.dispose()  # type: ignore[attr-defined]
    per_loan = steady["cpu"] / loans
    kernel_per_loan = kernel / max(1, len(days))
    return {
        "store": kind,
        "loans": loans,
        "postings_written": book.postings,
        "profiles": book.profiles,
        "active_by_state": dict(sorted(states.items())),
        "build_s": round(built, 2),
        "first_run": first,
        "steady_day": steady,
        "first_cpu_ms_per_loan": round(first["cpu"] / loans * 1000, 3),
        "steady_cpu_ms_per_loan": round(per_loan * 1000, 3),
        "kernel_s": round(kernel, 5),
        "kernel_us_per_loan": round(kernel_per_loan * 1e6, 3),
        "steady_ratio_to_kernel": round(per_loan / kernel_per_loan, 0) if kernel_per_loan else None,
        "rss_after_build_mb": rss_built,
        "peak_rss_mb": _peak_mb(),
    }


def _store(kind: str, folder: Path, clock: Any) -> Any:
    if kind == "memory":
        from loanfactory.testing import MemoryStore

        return MemoryStore(clock=clock)
    from loanfactory.adapters.sql import SqlStore

    if kind == "sqlite":
        return SqlStore(f"sqlite:///{folder / 'book.db'}", clock=clock, cipher=None)
    if kind == "postgresql":
        from sqlalchemy import create_engine

        from loanfactory.adapters.sql._schema import metadata

        url = os.environ["LOANFACTORY_BENCH_PG"]
        engine = create_engine(url)
        with engine.begin() as connection:
            from sqlalchemy import text

            metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        engine.dispose()
        return SqlStore(url, clock=clock, cipher=None, migrate=True)
    raise SystemExit(f"unknown store {kind!r}: memory, sqlite or postgresql")


def _state(loan: Any) -> str:
    dpd = loan.days_past_due
    if dpd == 0:
        return "current"
    return "grace (1-3)" if dpd <= 3 else "4-30" if dpd <= 30 else "31-90" if dpd <= 90 else "91+"


def _timed(work: Any) -> dict[str, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    run = work()
    return {
        "wall": round(time.perf_counter() - wall, 3),
        "cpu": round(time.process_time() - cpu, 3),
        "agenda": run.agenda,
        "postings": sum(s.postings for s in run.steps),
    }


def _cpu(work: Any) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return round(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def _print(f: dict[str, Any]) -> None:
    first, steady = f["first_run"], f["steady_day"]
    print(
        f"{f['store']:>10} {f['loans']:>7,} loans (built in {f['build_s']} s; "
        f"active {f['active_by_state']})\n"
        f"    first run  {first['cpu']:8.2f} s CPU {first['wall']:8.2f} s wall, "
        f"agenda {first['agenda']:,}: "
        f"{f['first_cpu_ms_per_loan']} ms CPU per loan\n"
        f"    steady day {steady['cpu']:8.2f} s CPU {steady['wall']:8.2f} s wall, "
        f"agenda {steady['agenda']:,}: "
        f"{f['steady_cpu_ms_per_loan']} ms CPU per loan in the book\n"
        f"    kernel {f['kernel_us_per_loan']} µs per loan; "
        f"steady day / kernel = {f['steady_ratio_to_kernel']}x; "
        f"peak RSS {f['peak_rss_mb']} MB (after the build {f['rss_after_build_mb']} MB)",
        file=sys.stderr,
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())

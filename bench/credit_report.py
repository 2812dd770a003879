"""Benchmark of credit reporting (征信报送): one month's files for a book of ``--loans`` loans.

The book is the one the end-of-day benchmark uses (:mod:`loanfactory.testing.stored_book`):
``--templates`` loans, each with its customer, live through the real servicing path — opened,
signed, disbursed, repaid with confirmed money, aged by the end of day every date, prepaid, written
off — up to 31 August 2026, then are copied under new ids into the store in bulk until it holds
``--loans`` loans. Then three consecutive months (June to August) are reported with
:meth:`CreditReporting.run_month` (records built from each loan's ledger, validated, written,
archived, reconciled; each month's files differ, so every run does the whole work); the three
times give min/median/max. The notices due before adverse records are sent before each month
(not timed), so adverse records are reported rather than held.

Baseline in the same run: the least a month-end job can do — read every loan and its postings
from the store (the ledger read in chunks of loans, as the month's run reads it) and fold the
month-end position (``servicing.fold``) — timed once on the same book. Goal: one month for 100,000
loans in ≤ 60 s on one core (CPU time of the process; with ``--db`` the database's own work is
inside the process for SQLite, outside it for PostgreSQL, so wall time is printed too). The book is
in the memory store by default; ``--db sqlite:///book.db`` (a fresh database) puts it in the SQL
store the bank runs. ``--json`` prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from loanfactory.archive import Archive
from loanfactory.ports import Store
from loanfactory.regulatory import CreditReporting, load_spec
from loanfactory.regulatory._run import CHUNK  # the ledger is read in the month run's chunks
from loanfactory.servicing import Loan, LoanStatus, fold
from loanfactory.spec import ProductSpec, load_product_or_raise
from loanfactory.testing import FixedClock, MemoryBlobStore, MemoryStore, RecordingNotifier
from loanfactory.testing.stored_book import build_stored_book

PRODUCT = Path(__file__).resolve().parents[1] / "products" / "consumer_credit.yaml"
BOOK_DAY = date(2026, 9, 1)  # the book stands as on the eve: August's end of day has run
MONTHS = ("2026-06", "2026-07", "2026-08")
CODES = {"provider_code": "B0000000000001", "management_code": "B0000000000001", "notice_days": 0}


def build(loans: int, templates: int, seed: int, db: str | None) -> tuple[Store, dict[str, ProductSpec]]:
    """The book as the end-of-day benchmark builds it: template loans lived through servicing,
    copied in bulk (:func:`loanfactory.testing.stored_book.build_stored_book`)."""
    product = load_product_or_raise(PRODUCT)
    store: Any = MemoryStore()
    if db is not None:
        from loanfactory.adapters.sql import SqlStore

        store = SqlStore(db, clock=FixedClock(BOOK_DAY), cipher=None)
    build_stored_book(store, loans, BOOK_DAY, templates=templates, seed=seed, product=product)
    return store, {product.code: product}


def baseline(store: Store, day: date) -> float:
    started = time.process_time()
    with store.transaction() as tx:
        loans = [
            loan
            for status in (LoanStatus.active, LoanStatus.settled, LoanStatus.written_off)
            for loan in tx.repo(Loan).list(status=status)
        ]
        for first in range(0, len(loans), CHUNK):
            chunk = loans[first : first + CHUNK]
            entries = tx.ledger.entries_of([loan.id for loan in chunk])
            for loan in chunk:
                fold(entries[loan.id], loan.schedule, day).principal  # noqa: B018
    return time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Credit-reporting benchmark: one month for a book.")
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--templates", type=int, default=42)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--db", help="a fresh database URL (sqlite:///book.db): the stored path")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.loans < args.templates or args.templates < 1:
        parser.error("--loans must be at least --templates, which must be positive")
    built = time.perf_counter()
    store, products = build(args.loans, args.templates, args.seed, args.db)
    build_s = time.perf_counter() - built
    print(f"book of {args.loans:,} loans built in {build_s:.1f} s", file=sys.stderr)
    clock = FixedClock(date(2026, 9, 2))
    reporting = CreditReporting(
        store,
        clock,
        archive=Archive(store, MemoryBlobStore(), clock),
        spec=load_spec(overrides=CODES),
        products=products,
        notifier=RecordingNotifier(),
    )
    fold_s = baseline(store, date(2026, 8, 31))
    times: list[float] = []
    walls: list[float] = []
    balanced = True
    records = 0
    for month in MONTHS:
        clock.set(date(2026, 9, 2))
        reporting.send_notices()
        started, wall = time.process_time(), time.perf_counter()
        report = reporting.run_month(month)
        times.append(time.process_time() - started)
        walls.append(time.perf_counter() - wall)
        balanced = balanced and bool(report.summary["equal"])
        records = sum(f.records for f in report.files)
        print(
            f"  {month}: {times[-1]:7.2f} s CPU ({walls[-1]:.2f} s wall), {records:,} records, "
            f"held {report.summary['accounts']['held']}, reconciled {report.summary['equal']}",
            file=sys.stderr,
        )
    median = statistics.median(times)
    goal = 60.0 * args.loans / 100_000
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    figures = {
        "loans": args.loans,
        "store": "memory" if args.db is None else args.db.split(":", 1)[0],
        "build_s": round(build_s, 1),
        "records_last_month": records,
        "run_s_min": round(min(times), 2),
        "run_s_median": round(median, 2),
        "run_s_max": round(max(times), 2),
        "wall_s_median": round(statistics.median(walls), 2),
        "baseline_fold_s": round(fold_s, 2),
        "ratio_to_baseline": round(median / fold_s, 2) if fold_s else None,
        "peak_rss_mb": peak_mb,
        "goal_s": goal,
        "goal_met": median <= goal,
        "reconciled": balanced,
    }
    print(
        f"one month for {args.loans:,} loans: min {min(times):.2f} / median {median:.2f} / "
        f"max {max(times):.2f} s CPU "
        f"(read+fold baseline {fold_s:.2f} s, x{figures['ratio_to_baseline']}; peak {peak_mb} MB); "
        f"goal <= {goal:g} s: {'met' if figures['goal_met'] else 'NOT met'}",
        file=sys.stderr,
    )
    if args.json:
        print(json.dumps(figures))
    return 0 if balanced else 1


if __name__ == "__main__":
    raise SystemExit(main())

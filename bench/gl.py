"""Benchmark of the general ledger on SQLite: closing a day of a 100,000-loan book, and the trial balance.

A seeded book is written straight into a SQLite database (the stored path: loans with their
schedules, the ledger's history of disbursements, interest falling due, repayments and daily
penalty for the overdue loans) and the books are opened once over its history (not timed). Then
three business days are lived: before each, the day's postings are written as the end of day
would write them (interest falling due and its auto-debit for the loans due that day, penalty
for the overdue loans, one more day past due for them); then :meth:`GeneralLedger.close_day` is
timed — every posting to its journal, accrual of every loan, non-accrual and class moves, the
allowance re-measured by class, the day's turnover.

Baselines measured in the same run on the same database, with raw driver calls:

- for the close: reading what any close must read once — every active loan's columns and every
  open loan's books row (the I/O floor of a set-based close);
- for the trial balance of the month: summing the month's journal lines per account (what a trial
  balance without the daily turnover table would do).

Figures: min / median / max of the 3 closes and of 3 trial balances, their ratios to the
baselines, the book's size, peak memory of the process and the traced peak of one more close.
``--json`` prints one JSON line last. Run: ``.venv/bin/python bench/gl.py [--loans 100000]``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update

from loanfactory.accounting import GeneralLedger
from loanfactory.adapters.sql import SqlStore
from loanfactory.adapters.sql._schema import LedgerRow
from loanfactory.adapters.sql._types import entity_body
from loanfactory.entity import CST
from loanfactory.lpr import LprSeries
from loanfactory.ports import LedgerEntryRecord
from loanfactory.pricing import PricingDecision
from loanfactory.servicing import Category, Installment, Loan, LoanStatus
from loanfactory.spec import load_product_or_raise
from loanfactory.terms import ContractTerms, contract_schedule, contract_terms
from loanfactory.testing import FixedClock

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2026, 6, 1)  # the first timed business date
_LEDGER_COLUMNS = [c.name for c in LedgerRow.__table__.columns if c.name != "body"]
D = Decimal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="General ledger benchmark on SQLite.")
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=3, help="timed closes (min/median/max over them)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gl.db"
        figures = run(path, args.loans, args.days)
    _print(figures)
    if args.json:
        print(json.dumps(figures))
    return 0 if figures["trial_balance_balanced"] else 1


def run(path: Path, loans: int, days: int) -> dict[str, Any]:
    clock = FixedClock(DAY - timedelta(days=1))
    store = SqlStore(f"sqlite:///{path}", clock=clock, cipher=None)
    rng = random.Random(2026)
    started = time.perf_counter()
    book = _write_book(store, loans, rng)
    written = time.perf_counter() - started
    gl = GeneralLedger(store, clock=clock)
    started = time.perf_counter()
    gl.close_day(DAY - timedelta(days=1))  # the books opened over the whole history
    opened = time.perf_counter() - started
    closes: list[float] = []
    floors: list[float] = []
    journals: list[int] = []
    for n in range(days):
        day = DAY + timedelta(days=n)
        clock.set(day)
        _write_day(store, book, day)
        floors.append(_timed(lambda: _read_floor(path)))
        before = time.perf_counter()
        journals.append(gl.close_day(day))
        closes.append(time.perf_counter() - before)
    last = DAY + timedelta(days=days - 1)
    first = last.replace(day=1) - timedelta(days=31)
    tbs = [_timed(lambda: gl.trial_balance(first, last)) for _ in range(3)]
    tb = gl.trial_balance(first, last)
    sums = [_timed(lambda: _sum_lines(path, first, last)) for _ in range(3)]
    clock.set(last + timedelta(days=1))
    _write_day(store, book, last + timedelta(days=1))
    tracemalloc.start()
    gl.close_day(last + timedelta(days=1))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    counts = _counts(path)
    store.dispose()
    return {
        "loans": loans,
        "ledger_postings": counts["ledger_entries"],
        "journals": counts["gl_journals"],
        "journal_lines": counts["gl_lines"],
        "setup_write_s": round(written, 1),
        "books_opened_s": round(opened, 1),
        "close_s": _spread(closes),
        "close_journals": journals,
        "read_floor_s": _spread(floors),
        "close_ratio_to_floor": round(statistics.median(closes) / statistics.median(floors), 1),
        "trial_balance_s": _spread(tbs),
        "sum_lines_s": _spread(sums),
        "trial_balance_ratio_to_sum_lines": round(statistics.median(tbs) / statistics.median(sums), 3),
        "trial_balance_balanced": tb.balanced,
        "traced_peak_mb_one_close": round(peak / 2**20, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


# --- the book -------------------------------------------------------------------------------------


class Book:
    """What the benchmark needs to live the book's days: each loan's schedule and state."""

    def __init__(self) -> None:
        self.loans: list[Loan] = []
        self.overdue: set[str] = set()
        self.sequence: dict[str, int] = {}


Template = tuple[ContractTerms, tuple[Installment, ...]]


def _schedules() -> dict[tuple[Decimal, Decimal, int, date], Template]:
    """Contract terms and posting schedules of the consumer product, for every template loan."""
    product = load_product_or_raise(ROOT / "products" / "consumer_credit.yaml")
    series = LprSeries.default()
    out = {}
    for amount in (D(5000), D(20000), D(50000), D(120000), D(200000)):
        for rate in (D("0.039"), D("0.072"), D("0.108")):
            for term in (12, 24, 36):
                for back in range(0, 180, 3):
                    start = DAY - timedelta(days=back + 1)
                    pricing = PricingDecision(rate=rate)
                    terms = contract_terms(product, amount, term, start=start, pricing=pricing, lpr=series)
                    schedule = contract_schedule(terms)
                    out[(amount, rate, term, start)] = (
                        terms,
                        tuple(
                            Installment(
                                number=r.number,
                                due_date=r.due_date,
                                days=r.days or 0,
                                principal=r.principal,
                                interest=r.interest,
                                fee=r.fee,
                                total=r.total,
                                balance=r.balance,
                            )
                            for r in schedule.installments
                            if r.due_date is not None
                        ),
                    )
    return out


def _write_book(store: SqlStore, count: int, rng: random.Random) -> Book:
    schedules = _schedules()
    keys = list(schedules)
    book = Book()
    mapping = store.mappings.for_kind(Loan)
    at = datetime.combine(DAY, datetime.min.time(), tzinfo=CST)
    loan_rows: list[dict[str, Any]] = []
    postings: list[dict[str, Any]] = []
    for n in range(count):
        if len(loan_rows) >= 5000:
            _flush(store, mapping.table, loan_rows, postings)
        amount, rate, term, start = keys[rng.randrange(len(keys))]
        terms, rows = schedules[(amount, rate, term, start)]
        late = rng.random() < 0.12
        loan_id = f"L{n:07d}"
        past = [r for r in rows if r.due_date < DAY]
        dpd = (DAY - timedelta(days=1) - past[0].due_date).days if late and past else 0
        loan = Loan(
            id=loan_id,
            version=1,
            customer_id=f"c{n}",
            product_code="consumer_credit",
            amount=amount,
            term=term,
            method=terms.method,
            terms=terms,
            status=LoanStatus.active,
            start=start,
            schedule=rows,
            schedule_version=1,
            tail_start=start,
            tail_from=1,
            days_past_due=dpd,
            category=_category(dpd),
        )
        book.loans.append(loan)
        if dpd:
            book.overdue.add(loan_id)
        history = [("disbursement", start, {"principal": amount}, amount)]
        for r in past:
            history.append(("interest", r.due_date, {"interest": r.interest}, r.interest))
            if not dpd:
                history.append(
                    ("repayment", r.due_date, {"principal": -r.principal, "interest": -r.interest}, r.total)
                )
        if dpd:
            history.append(
                ("penalty", DAY - timedelta(days=1), {"penalty": D("3.21") * dpd}, D("3.21") * dpd)
            )
        for kind, when, parts, total in history:
            postings.append(_posting(book, loan_id, kind, when, parts, total, at))
        loan_rows.append(
            {
                "id": loan_id,
                "version": 1,
                "created_at": at,
                "updated_at": at,
                "body": mapping.dump(loan, None),
                **mapping.typed_values(loan, None),
            }
        )
    _flush(store, mapping.table, loan_rows, postings)
    return book


def _flush(store: SqlStore, table: Any, loans: list[dict[str, Any]], postings: list[dict[str, Any]]) -> None:
    with store.transaction() as tx:
        if loans:
            tx.connection.execute(insert(table), loans)
        if postings:
            tx.connection.execute(insert(LedgerRow), postings)
    loans.clear()
    postings.clear()


def _category(dpd: int) -> Category:
    if dpd > 360:
        return Category.loss
    if dpd > 270:
        return Category.doubtful
    if dpd > 90:
        return Category.substandard
    return Category.special_mention if dpd > 0 else Category.normal


def _posting(
    book: Book, loan_id: str, kind: str, when: date, parts: dict[str, Decimal], amount: Decimal, at: datetime
) -> dict[str, Any]:
    sequence = book.sequence.get(loan_id, 0) + 1
    book.sequence[loan_id] = sequence
    record = LedgerEntryRecord(
        id=f"{loan_id}:{sequence:06d}",
        loan_id=loan_id,
        sequence=sequence,
        type=kind,
        business_date=when,
        posted_at=at,
        amount=amount,
        idempotency_key=f"{kind}:{loan_id}:{sequence}",
        **parts,
    )
    values = {name: getattr(record, name) for name in _LEDGER_COLUMNS}
    values["body"] = entity_body(record)
    return values


def _write_day(store: SqlStore, book: Book, day: date) -> None:
    """The day's postings as the end of day writes them, and one more day past due for the late."""
    at = datetime.combine(day, datetime.min.time(), tzinfo=CST)
    postings = []
    for loan in book.loans:
        if loan.id in book.overdue:
            postings.append(_posting(book, loan.id, "penalty", day, {"penalty": D("3.21")}, D("3.21"), at))
            continue
        for row in loan.schedule:
            if row.due_date == day:
                postings.append(
                    _posting(book, loan.id, "interest", day, {"interest": row.interest}, row.interest, at)
                )
                parts = {"principal": -row.principal, "interest": -row.interest}
                postings.append(_posting(book, loan.id, "repayment", day, parts, row.total, at))
    table = store.mappings.for_kind(Loan).table
    with store.transaction() as tx:
        tx.connection.execute(insert(LedgerRow), postings)
        tx.connection.execute(
            update(table)
            .where(table.c.id.in_(sorted(book.overdue)))
            .values(days_past_due=table.c.days_past_due + 1)
        )


# --- baselines and figures ------------------------------------------------------------------------


def _read_floor(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute(
            "SELECT id, product_code, category, days_past_due, schedule_version FROM loan "
            "WHERE status = 'active'"
        ).fetchall()
        db.execute("SELECT * FROM gl_loans WHERE open = 1").fetchall()


def _sum_lines(path: Path, first: date, last: date) -> None:
    with sqlite3.connect(path) as db:
        db.execute(
            "SELECT account, side, SUM(amount) FROM gl_lines WHERE accounting_date BETWEEN ? AND ? "
            "GROUP BY account, side",
            (first.isoformat(), last.isoformat()),
        ).fetchall()


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return {
            table: int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in ("ledger_entries", "gl_journals", "gl_lines")
        }


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _spread(values: list[float]) -> dict[str, float]:
    return {
        "min": round(min(values), 3),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }


def _print(f: dict[str, Any]) -> None:
    def spread(name: str) -> str:
        s = f[name]
        return f"{s['min']:.3f} / {s['median']:.3f} / {s['max']:.3f} s"

    lines = [
        f"general ledger on SQLite: {f['loans']:,} loans, {f['ledger_postings']:,} postings, "
        f"{f['journals']:,} journals, {f['journal_lines']:,} lines",
        f"  setup: book written {f['setup_write_s']} s, books opened over it {f['books_opened_s']} s",
        f"  close of a day (min / median / max)    {spread('close_s')}  journals {f['close_journals']}",
        f"  read floor: loans + books rows          {spread('read_floor_s')}  "
        f"ratio {f['close_ratio_to_floor']}x",
        f"  trial balance of ~2 months              {spread('trial_balance_s')}",
        f"  summing the period's lines instead      {spread('sum_lines_s')}  "
        f"ratio {f['trial_balance_ratio_to_sum_lines']}x",
        f"  balanced {f['trial_balance_balanced']}; traced peak of one close "
        f"{f['traced_peak_mb_one_close']} MB; max RSS {f['max_rss_mb']} MB",
    ]
    print("\n".join(lines), file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())

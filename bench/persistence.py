"""Benchmark: decisions and repayments persisted per second on SQLite and PostgreSQL.

Each operation is one transaction, as the services run it:

- a decision: add a :class:`~loanfactory.origination._decision.DecisionRecord` (reasons, trace),
  append its domain event (idempotency key) and an audit link;
- a repayment: lock the loan row, append a ledger posting (idempotency key), update the loan
  (version check), append the event, queue the receipt in the outbox.

The baseline, measured in the same run on the same database: the same rows written with raw
driver calls (``sqlite3`` / ``psycopg``), pre-serialised JSON, one transaction per operation and
no checks. The ratio store ÷ baseline is the cost of the store's exactness and safety.

PostgreSQL: ``--pg URL`` or ``$LOANFACTORY_TEST_PG_URL``, else a throwaway server from the local
binaries (as the tests do), else skipped. Run: ``.venv/bin/python bench/persistence.py [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import MetaData

from loanfactory.adapters.sql import SqlStore, default_mappings, make_engine, map_entity, upgrade
from loanfactory.audit import canonical_json, make_record
from loanfactory.entity import CST, DomainEvent, Entity
from loanfactory.money import Money
from loanfactory.origination import DecisionRecord, DecisionStep, StepOutcome, StepReason
from loanfactory.ports import LedgerEntryRecord, OutboxMessage
from loanfactory.testing import FixedClock

AT = datetime(2025, 8, 1, 9, 0, tzinfo=CST)


class BenchLoan(Entity):
    kind: ClassVar[str] = "bench_loan"
    balance: Money
    postings: int = 0


BENCH_METADATA = MetaData()
BENCH_LOANS = map_entity(BenchLoan, columns={"balance": None}, metadata=BENCH_METADATA)


def decision(n: int) -> DecisionRecord:
    return DecisionRecord(
        id=f"dec_{n:08d}",
        application_id=f"app_{n:08d}",
        customer_id=f"cus_{n % 500:06d}",
        product_code="consumer_credit",
        step=DecisionStep.scoring,
        outcome=StepOutcome.approve,
        at=AT,
        values={"score": 712, "limit": "50000.00", "dti": "0.3125"},
        reasons=(
            StepReason(code="score-ok", en="score above cut-off", zh="评分高于阈值", rule="score.cutoff"),
        ),
        fired_rules=("score.cutoff", "dti.max"),
        trace=({"rule": "score.cutoff", "value": 712, "passed": True},),
        actor="system",
        rule_set="consumer_credit@2025.1",
    )


def store_decision(store: SqlStore, n: int) -> None:
    record = decision(n)
    with store.transaction() as tx:
        tx.repo(DecisionRecord).add(record)
        tx.events.append(
            DomainEvent(
                id=f"ev_dec_{n}",
                type="application.assessed",
                subject=record.application_id,
                at=AT,
                idempotency_key=f"assess-{n}",
            )
        )
        tx.audit.append(
            actor="system",
            action="application.assessed",
            subject=record.application_id,
            at=AT,
            after={"outcome": record.outcome.value},
        )


def store_repayment(store: SqlStore, n: int) -> None:
    amount = Decimal(f"{n % 900 + 100}.{n % 100:02d}")
    with store.transaction() as tx:
        loans = tx.repo(BenchLoan)
        loan = loans.lock("loan-1")
        sequence = loan.postings + 1
        tx.ledger.append(
            LedgerEntryRecord(
                id=f"loan-1:{sequence:06d}",
                loan_id="loan-1",
                sequence=sequence,
                type="repayment",
                business_date=date(2025, 8, 1),
                posted_at=AT,
                amount=amount,
                principal=amount,
                idempotency_key=f"repay-{n}",
            )
        )
        loans.update(loan.evolve(balance=loan.balance - amount, postings=sequence))
        tx.events.append(
            DomainEvent(
                id=f"ev_rep_{n}",
                type="loan.repaid",
                subject="loan-1",
                at=AT,
                idempotency_key=f"repay-{n}",
                payload={"amount": amount},
            )
        )
        tx.outbox.add(
            OutboxMessage(
                id=f"out_{n}",
                topic="notification",
                dedup_key=f"receipt-{n}",
                payload={"amount": amount},
                created_at=AT,
            )
        )


# --- the raw-driver baseline ------------------------------------------------------------------

AT_UTC = "2025-08-01 01:00:00.000000+00:00"


class Raw:
    """The same rows through the bare driver: no validation, no checks, pre-built JSON."""

    def __init__(self, url: str) -> None:
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            import sqlite3

            self.conn: Any = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=60)
            self.conn.execute("PRAGMA synchronous=NORMAL")  # as the store sets it (WAL is in the file)
            self.mark = "?"
        else:
            import psycopg

            self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
            self.mark = "%s"
        self.decision_body = json.dumps(decision(0).model_dump(mode="json"), ensure_ascii=False)
        self.head = make_record(None, at=AT, actor="system", action="x", subject="s")

    @contextmanager
    def tx(self) -> Iterator[Any]:
        cur = self.conn.cursor()
        if self.sqlite:
            cur.execute("BEGIN IMMEDIATE")
        yield cur
        self.conn.commit() if not self.sqlite else cur.execute("COMMIT")

    def sql(self, text: str) -> str:
        return text.replace("?", self.mark)

    def decision(self, n: int) -> None:
        ts = AT_UTC if self.sqlite else AT
        with self.tx() as cur:
            cur.execute(
                self.sql(
                    "INSERT INTO decision_record (id, version, created_at, updated_at, body, application_id, "
                    "step, outcome) VALUES (?, 1, ?, ?, ?, ?, 'scoring', 'approve')"
                ),
                (f"raw_dec_{n}", ts, ts, self.decision_body, f"app_{n}"),
            )
            cur.execute(
                self.sql(
                    "INSERT INTO events (id, type, subject, at, actor, idempotency_key, body) "
                    "VALUES (?, 'application.assessed', ?, ?, 'system', ?, '{}')"
                ),
                (f"raw_ev_dec_{n}", f"app_{n}", ts, f"raw-assess-{n}"),
            )
            record = make_record(
                self.head,
                at=AT,
                actor="system",
                action="application.assessed",
                subject=f"app_{n}",
                after={"outcome": "approve"},
            )
            cur.execute(
                self.sql(
                    "INSERT INTO audit_log (sequence, at, actor, action, subject, before, after, "
                    "previous_hash, hash) VALUES (?, ?, 'system', 'application.assessed', ?, NULL, ?, ?, ?)"
                ),
                (
                    10_000_000 + n,
                    AT.isoformat(),
                    f"app_{n}",
                    canonical_json(record.after),
                    record.previous_hash,
                    f"{n:064d}",
                ),
            )

    def repayment(self, n: int) -> None:
        ts = AT_UTC if self.sqlite else AT
        amount = Decimal(f"{n % 900 + 100}.{n % 100:02d}")
        stored = int(amount * 100) if self.sqlite else amount
        with self.tx() as cur:
            lock = "" if self.sqlite else " FOR UPDATE"
            cur.execute(self.sql(f"SELECT version, body FROM bench_loan WHERE id = ?{lock}"), ("loan-raw",))
            version, _ = cur.fetchone()
            cur.execute(
                self.sql(
                    "INSERT INTO ledger_entries (id, loan_id, sequence, type, business_date, posted_at, "
                    "amount, principal, interest, penalty, fee, credit, idempotency_key, body) VALUES "
                    "(?, 'loan-raw', ?, 'repayment', '2025-08-01', ?, ?, ?, 0, 0, 0, 0, ?, '{}')"
                ),
                (f"loan-raw:{n:06d}", n + 1, ts, stored, stored, f"raw-repay-{n}"),
            )
            cur.execute(
                self.sql(
                    "UPDATE bench_loan SET version = ?, body = ?, updated_at = ? WHERE id = ? AND version = ?"
                ),
                (version + 1, '{"id": "loan-raw"}', ts, "loan-raw", version),
            )
            cur.execute(
                self.sql(
                    "INSERT INTO events (id, type, subject, at, actor, idempotency_key, body) "
                    "VALUES (?, 'loan.repaid', 'loan-raw', ?, 'system', ?, '{}')"
                ),
                (f"raw_ev_rep_{n}", ts, f"raw-repay-key-{n}"),
            )
            cur.execute(
                self.sql(
                    "INSERT INTO outbox (id, topic, dedup_key, created_at, attempts, body) "
                    "VALUES (?, 'notification', ?, ?, 0, '{}')"
                ),
                (f"raw_out_{n}", f"raw-receipt-{n}", ts),
            )


# --- running ----------------------------------------------------------------------------------


def rate(action: Callable[[int], None], count: int) -> float:
    start = time.perf_counter()
    for n in range(count):
        action(n)
    return count / (time.perf_counter() - start)


def measure(url: str, count: int) -> dict[str, float]:
    engine = make_engine(url, foreign_keys=False)
    upgrade(engine)
    BENCH_METADATA.create_all(engine)
    engine.dispose()
    store = SqlStore(
        url, mappings=default_mappings().with_(BENCH_LOANS), clock=FixedClock(AT), cipher=None, migrate=False
    )
    with store.transaction() as tx:
        tx.repo(BenchLoan).add(BenchLoan(id="loan-1", balance=Decimal("999999999.00")))
        tx.repo(BenchLoan).add(BenchLoan(id="loan-raw", balance=Decimal("999999999.00")))
    raw = Raw(url)
    try:
        figures = {
            "decisions_per_s": rate(lambda n: store_decision(store, n), count),
            "decisions_baseline_per_s": rate(raw.decision, count),
            "repayments_per_s": rate(lambda n: store_repayment(store, n), count),
            "repayments_baseline_per_s": rate(raw.repayment, count),
        }
    finally:
        raw.conn.close()
        store.dispose()
    figures["decisions_ratio"] = figures["decisions_per_s"] / figures["decisions_baseline_per_s"]
    figures["repayments_ratio"] = figures["repayments_per_s"] / figures["repayments_baseline_per_s"]
    return figures


@contextmanager
def postgres(given: str | None) -> Iterator[str | None]:
    """A database URL: the given server, else a throwaway local one, else None."""
    if given:
        yield given.replace("postgresql://", "postgresql+psycopg://", 1)
        return
    initdb = shutil.which("initdb") or next(
        iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))), None
    )
    if initdb is None:
        yield None
        return
    bindir = Path(initdb).resolve().parent
    root = Path(tempfile.mkdtemp(prefix="lf-bench-pg-"))
    user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if user:
        shutil.chown(root, "postgres")
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = root / "data"
    try:
        subprocess.run(
            [
                *user,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *user,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "log"),
                "-w",
                "-o",
                f"-p {port} -k {root} -c listen_addresses=127.0.0.1",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="operations of each kind (default 2000)")
    parser.add_argument("--pg", default=os.environ.get("LOANFACTORY_TEST_PG_URL"), help="PostgreSQL URL")
    parser.add_argument("--json", action="store_true", help="print one JSON line last")
    args = parser.parse_args()
    results: dict[str, Any] = {"count": args.count}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite"] = measure(f"sqlite:///{folder}/bench.db", args.count)
    with postgres(args.pg) as url:
        results["postgresql"] = measure(url, args.count) if url else None
    for backend in ("sqlite", "postgresql"):
        figures = results[backend]
        if figures is None:
            print(f"{backend:10s}  skipped (no server: pass --pg URL or install PostgreSQL)", file=sys.stderr)
            continue
        print(
            f"{backend:10s}  decisions {figures['decisions_per_s']:8.0f}/s (raw driver "
            f"{figures['decisions_baseline_per_s']:8.0f}/s, ratio {figures['decisions_ratio']:.2f})   "
            f"repayments {figures['repayments_per_s']:8.0f}/s "
            f"(raw driver {figures['repayments_baseline_per_s']:8.0f}/s, "
            f"ratio {figures['repayments_ratio']:.2f})",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()

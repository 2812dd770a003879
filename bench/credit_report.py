"""Benchmark of credit reporting (征信报送): one month's files for a book of ``--loans`` loans.

The book is real servicing output: ``--templates`` loans are opened, signed, disbursed and lived
day by day for eight months by :class:`~loanfactory.servicing.Servicing` (most pay on time, some
late, some default and are written off), then copied — loan, contract, customer and every ledger
posting under new ids — until the book holds ``--loans`` loans, all in the store as servicing
keeps them. Then three consecutive months are reported with :meth:`CreditReporting.run_month`
(records built from each loan's ledger, validated, written, archived, reconciled; each month's
files differ, so every run does the whole work); the three times give min/median/max.

Baseline in the same run: the least a month-end job can do — read every loan and its postings
from the store and fold the month-end position (``servicing.fold``) — timed once on the same book.
Goal: one month for 100,000 loans in ≤ 60 s on one core (CPU time of the process). The book is in
the memory store by default; ``--db sqlite:///book.db`` (a fresh database) puts it in the SQL store
the bank runs, with the same work and baseline. ``--json`` prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from loanfactory.archive import Archive
from loanfactory.conventions import RepaymentMethod
from loanfactory.entity import CST, SequentialIds
from loanfactory.origination.customer import (
    Customer,
    CustomerType,
    Employment,
    EmploymentKind,
    IndividualProfile,
)
from loanfactory.origination.identity import id_check_character
from loanfactory.ports import LedgerEntryRecord, SignatureMethod, Store
from loanfactory.pricing import PricingDecision
from loanfactory.regulatory import CreditReporting, load_spec
from loanfactory.servicing import Contract, Loan, LoanRequest, LoanStatus, Servicing, fold
from loanfactory.spec import load_product_or_raise
from loanfactory.terms import contract_terms
from loanfactory.testing import (
    FixedClock,
    MemoryStore,
    RecordingNotifier,
    SimulatedGateway,
    SimulatedSigner,
    seed_payout_account,
)
from loanfactory.testing.blobs import MemoryBlobStore

PRODUCT = Path(__file__).resolve().parents[1] / "products" / "consumer_credit.yaml"
START = date(2026, 1, 1)
MONTHS = ("2026-06", "2026-07", "2026-08")
CODES = {"provider_code": "B0000000000001", "management_code": "B0000000000001", "notice_days": 0}


def build(
    templates: int, loans: int, seed: int, db: str | None
) -> tuple[Store, FixedClock, dict[str, object]]:
    rng = random.Random(seed)
    product = load_product_or_raise(PRODUCT)
    clock = FixedClock(START)
    store: Store = MemoryStore()
    if db is not None:
        from loanfactory.adapters.sql import SqlStore

        store = SqlStore(db, clock=clock, cipher=None)
    gateway = SimulatedGateway(clock, seed=seed)
    servicing = Servicing(
        store,
        clock,
        products={product.code: product},
        gateway=gateway,
        signer=SimulatedSigner(),
        ids=SequentialIds(),
    )
    kinds = [rng.choices(["good", "late", "default"], weights=[80, 15, 5])[0] for _ in range(templates)]
    opened: list[str] = []
    for n in sorted(range(templates), key=lambda i: i % 28):
        clock.set(START + timedelta(days=n % 28))
        _customer(store, n)
        account = f"6222{n:012d}"
        gateway.fund(account, Decimal(10**9) if kinds[n] != "default" else Decimal(0))
        terms = contract_terms(
            product,
            Decimal(rng.randrange(10, 500)) * 100,
            rng.choice([12, 24, 36]),
            method=RepaymentMethod.annuity,
            start=clock.today(),
            pricing=PricingDecision(rate=Decimal(rng.choice(["0.06", "0.089", "0.12"]))),
        )
        request = LoanRequest(
            customer_id=f"cust-{n:07d}",
            borrower_name=f"客户{n}",
            borrower_id_number="110101199001010015",
            terms=terms,
            apr=Decimal("0.12"),
            account=account,
            account_name=f"客户{n}",
            payout_account_id=seed_payout_account(
                store, customer_id=f"cust-{n:07d}", number=account, holder=f"客户{n}", at=clock.now()
            ).id,
        )
        contract = servicing.open_loan(request, key=f"open-{n}")
        for who, role, method in (
            ("c", "borrower", SignatureMethod.sms_code),
            ("bank", "lender", SignatureMethod.ca_certificate),
        ):
            servicing.sign_contract(contract.id, signer=who, role=role, method=method, key=f"sign-{role}-{n}")
        servicing.disburse(contract.loan_id, key=f"pay-{n}")
        opened.append(contract.loan_id)
    day = START + timedelta(days=min(27, templates - 1))
    end = date(2026, 9, 2)
    while day < end:
        clock.set(day)
        if day.day in (1, 16):  # late payers run dry half of each month
            for n, kind in enumerate(kinds):
                if kind == "late":
                    gateway.fund(f"6222{n:012d}", Decimal(0) if day.day == 1 else Decimal(10**9))
        servicing.relay_payments()
        servicing.poll_payments()
        for result in gateway.callbacks():
            servicing.apply_payment_result(result)
        servicing.run_eod(day)
        if day == date(2026, 6, 20):
            for loan_id, kind in zip(
                opened, [kinds[i] for i in sorted(range(templates), key=lambda i: i % 28)], strict=True
            ):
                if kind == "default":
                    servicing.write_off(loan_id, key=f"wo-{loan_id}", reason="uncollectable")
        day += timedelta(days=1)
    _copy(store, opened, loans)
    return store, clock, {product.code: product}


def _customer(store: Store, n: int) -> None:
    first = f"11010119900101{n % 1000:03d}"
    profile = IndividualProfile(
        id_number=first + id_check_character(first),
        name=f"客户{n}",
        phone="13800138000",
        annual_income=Decimal("120000"),
        employment=Employment(kind=EmploymentKind.salaried),
    )
    with store.transaction() as tx:
        tx.repo(Customer).add(
            Customer(
                id=f"cust-{n:07d}",
                type=CustomerType.individual,
                identity_hash=f"{n:064d}",
                individual=profile,
                registered_at=datetime(2025, 12, 1, tzinfo=CST),
            )
        )


def _copy(store: Store, templates: list[str], loans: int) -> None:
    """Copies of the template loans (loan, contract, customer, postings) up to ``loans``."""
    with store.transaction() as tx:
        sources = [(tx.repo(Loan).get(i), tx.ledger.entries(i)) for i in templates]
        contracts = {
            c.loan_id: c for c in (tx.repo(Contract).get(s.contract_id) for s, _ in sources if s.contract_id)
        }
        customers = {s.customer_id: tx.repo(Customer).get(s.customer_id) for s, _ in sources}
    for start in range(
        len(templates), loans, 100
    ):  # small transactions: the memory store checks pending postings
        with store.transaction() as tx:
            for n in range(start, min(loans, start + 100)):
                loan, entries = sources[n % len(sources)]
                loan_id, contract_id, customer_id = f"loan_{n:07d}", f"ctr_{n:07d}", f"cust-{n:07d}"
                tx.repo(Customer).add(
                    customers[loan.customer_id].model_copy(update={"id": customer_id, "version": 0})
                )
                tx.repo(Contract).add(
                    contracts[loan.id].model_copy(
                        update={
                            "id": contract_id,
                            "loan_id": loan_id,
                            "customer_id": customer_id,
                            "version": 0,
                        }
                    )
                )
                tx.repo(Loan).add(
                    loan.model_copy(
                        update={
                            "id": loan_id,
                            "contract_id": contract_id,
                            "customer_id": customer_id,
                            "version": 0,
                        }
                    )
                )
                for entry in entries:
                    tx.ledger.append(_moved(entry, loan_id))


def _moved(entry: LedgerEntryRecord, loan_id: str) -> LedgerEntryRecord:
    key = entry.idempotency_key
    return entry.model_copy(
        update={
            "id": f"{loan_id}:{entry.sequence:06d}",
            "loan_id": loan_id,
            "idempotency_key": f"{loan_id}|{key}" if key else None,
        }
    )


def baseline(store: Store, day: date) -> float:
    started = time.process_time()
    with store.transaction() as tx:
        for status in (LoanStatus.active, LoanStatus.settled, LoanStatus.written_off):
            for loan in tx.repo(Loan).list(status=status):
                fold(tx.ledger.entries(loan.id), loan.schedule, day).principal  # noqa: B018
    return time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Credit-reporting benchmark: one month for a book.")
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--templates", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--db", help="a fresh database URL (sqlite:///book.db): the stored path")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.loans < args.templates or args.templates < 1:
        parser.error("--loans must be at least --templates, which must be positive")
    built = time.perf_counter()
    store, clock, products = build(args.templates, args.loans, args.seed, args.db)
    print(f"book of {args.loans:,} loans built in {time.perf_counter() - built:.1f} s", file=sys.stderr)
    clock.set(date(2026, 9, 2))
    reporting = CreditReporting(
        store,
        clock,
        archive=Archive(store, MemoryBlobStore(), clock),
        spec=load_spec(overrides=CODES),
        products=products,
        notifier=RecordingNotifier(),
    )
    reporting.send_notices(date(2026, 6, 1))
    fold_s = baseline(store, date(2026, 8, 31))
    times: list[float] = []
    balanced = True
    records = 0
    for month in MONTHS:
        started = time.process_time()
        report = reporting.run_month(month)
        times.append(time.process_time() - started)
        balanced = balanced and bool(report.summary["equal"])
        records = sum(f.records for f in report.files)
        print(
            f"  {month}: {times[-1]:7.2f} s CPU, {records:,} records, reconciled {report.summary['equal']}",
            file=sys.stderr,
        )
    median = statistics.median(times)
    goal = 60.0 * args.loans / 100_000
    figures = {
        "loans": args.loans,
        "store": "memory" if args.db is None else args.db.split(":", 1)[0],
        "records_last_month": records,
        "run_s_min": round(min(times), 2),
        "run_s_median": round(median, 2),
        "run_s_max": round(max(times), 2),
        "baseline_fold_s": round(fold_s, 2),
        "ratio_to_baseline": round(median / fold_s, 2) if fold_s else None,
        "goal_s": goal,
        "goal_met": median <= goal,
        "reconciled": balanced,
    }
    print(
        f"one month for {args.loans:,} loans: min {min(times):.2f} / median {median:.2f} / "
        f"max {max(times):.2f} s CPU "
        f"(read+fold baseline {fold_s:.2f} s, x{figures['ratio_to_baseline']}); goal <= {goal:g} s: "
        f"{'met' if figures['goal_met'] else 'NOT met'}",
        file=sys.stderr,
    )
    if args.json:
        print(json.dumps(figures))
    return 0 if balanced else 1


if __name__ == "__main__":
    raise SystemExit(main())

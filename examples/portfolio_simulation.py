"""Simulate a loan book through its life and print the portfolio (贷后组合模拟).

A few thousand consumer loans are opened, signed and disbursed over the first three months, then
lived day by day for two years: every morning the gateway collects the auto-debits ordered the
night before, borrowers act (on time, late, defaulting, prepaying, recovering), and every night the
end-of-day run accrues, ages, classifies, acts on overdue tiers, warns and orders the next debits.
The mix of payers is seeded, so a run is reproducible. At the end it prints the post-loan report
(balances, five categories, provisions, actions taken, flags) and checks that the ledger reconciles
with the cash the gateway moved, to the fen. Every month it also writes the month's PBOC
credit-reporting files (征信报送) and prints their reconciliation with the ledger
(``--credit-reports DIR`` keeps the files).

The general ledger keeps the books all along: every night's end of day closes the day in the
books (journals, accrual, non-accrual, class moves, provisions). With ``--check-books`` the loan
subledger is reconciled with the GL control accounts after every night (总分核对), and the run
fails on the first difference; the last lines show the books' trial balance for the whole period.

    python examples/portfolio_simulation.py                 # 2,000 loans, 24 months
    python examples/portfolio_simulation.py --short         # 150 loans, 6 months (the README demo)
    python examples/portfolio_simulation.py --loans 3000 --months 24 --lang en
    python examples/portfolio_simulation.py --check-books   # reconcile the books every day

Progress goes to stderr; the report to stdout.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from functools import cache
from pathlib import Path

from loanfactory.accounting import AccountType, GeneralLedger, reconcile
from loanfactory.archive import Archive
from loanfactory.calendar import add_months
from loanfactory.cli import default_language
from loanfactory.cli.progress import Progress
from loanfactory.conventions import RepaymentMethod
from loanfactory.entity import CST, SequentialIds
from loanfactory.errors import LoanfactoryError
from loanfactory.origination import (
    Customer,
    CustomerType,
    Employment,
    EmploymentKind,
    IndividualProfile,
    id_check_character,
)
from loanfactory.ports import (
    PaymentChannel,
    PaymentConfirmation,
    PaymentDirection,
    PaymentRecord,
    SignatureMethod,
    Store,
)
from loanfactory.pricing import PricingDecision
from loanfactory.regulatory import CreditReporting, MonthReport, load_spec
from loanfactory.reporting import portfolio_report, render_report
from loanfactory.schedule import LoanTerms, annual_percentage_rate, build_schedule
from loanfactory.servicing import Loan, LoanRequest, LoanStatus, Servicing, ServicingConfig
from loanfactory.spec import ProductSpec, load_product_or_raise
from loanfactory.terms import contract_terms
from loanfactory.testing import (
    FixedClock,
    MemoryBlobStore,
    MemoryStore,
    RecordingNotifier,
    SimulatedGateway,
    SimulatedSigner,
    seed_payout_account,
)

PRODUCTS = Path(__file__).resolve().parents[1] / "products"
START = date(2026, 1, 1)
RICH = Decimal("100000000")
CODES = {"provider_code": "S0000000000001", "management_code": "S0000000000001"}
"""The simulated bank's institution codes for its credit-reporting files."""


@dataclass
class Borrower:
    """A seeded borrower: how they pay, and when things happen to them."""

    index: int
    kind: str  # "good", "late", "defaulter"
    account: str
    loan_id: str = ""
    default_month: int = 0  # defaulters stop paying from this installment on
    late_months: frozenset[int] = frozenset()  # late payers miss these installments for a while
    late_days: int = 0
    prepay_month: int = 0  # good payers who pay off early
    recovers: bool = False  # a defaulter who pays something back later
    misuses: bool = False  # sends part of the money to the stock market
    due_dates: tuple[date, ...] = ()  # the schedule as last read (the simulation reads it rarely)
    start: date | None = None
    funded: bool | None = None
    closed: bool = False
    transferred: Decimal = Decimal(0)  # recoveries paid by bank transfer (outside the gateway)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=2000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--short", action="store_true", help="150 loans over 6 months")
    parser.add_argument("--engine", choices=["per-loan", "vectorised"], default="per-loan")
    parser.add_argument("--lang", choices=["zh", "en"], default=default_language())
    parser.add_argument("--db", default=None, help="a database URL (SQLite, PostgreSQL); default: in memory")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar on stderr")
    parser.add_argument(
        "--credit-reports", default=None, help="a folder for the monthly credit-reporting files"
    )
    parser.add_argument(
        "--check-books", action="store_true", help="reconcile the loans with the general ledger every day"
    )
    args = parser.parse_args(argv)
    if args.short:
        args.loans, args.months = 150, 6
    if args.loans < 1 or args.months < 1:
        parser.error("--loans and --months must be positive")
    started = time.perf_counter()
    report = simulate(
        args.loans,
        args.months,
        args.seed,
        args.engine,
        args.lang,
        args.db,
        args.credit_reports,
        check_books=args.check_books,
        quiet=args.quiet,
    )
    print(report, end="")
    seconds = time.perf_counter() - started
    print(
        f"模拟 {args.loans} 笔贷款 {args.months} 个月，用时 {seconds:.1f} 秒"
        if args.lang == "zh"
        else f"simulated {args.loans} loans over {args.months} months in {seconds:.1f} s",
        file=sys.stderr,
    )
    return 0


def simulate(
    loans: int,
    months: int,
    seed: int,
    engine: str,
    lang: str,
    db: str | None = None,
    credit_reports: str | None = None,
    monthly: list[MonthReport] | None = None,
    *,
    check_books: bool = False,
    quiet: bool = True,
) -> str:
    rng = random.Random(seed)
    product = load_product_or_raise(PRODUCTS / "consumer_credit.yaml")
    clock = FixedClock(START)
    store: Store = MemoryStore()
    if db is not None:
        from loanfactory.adapters.sql import SqlStore

        store = SqlStore(db, clock=clock, cipher=None)
    gateway = SimulatedGateway(clock, seed=seed, failure_rate=0.002, timeout_rate=0.01, duplicate_rate=0.02)
    books = GeneralLedger(store, clock=clock)
    servicing = Servicing(
        store,
        clock,
        products={product.code: product},
        gateway=gateway,
        signer=SimulatedSigner(),
        ids=SequentialIds(),
        config=ServicingConfig(eod_batch=500),
        day_steps=(books,),
    )
    reporting = CreditReporting(
        store,
        clock,
        archive=Archive(store, MemoryBlobStore(), clock),
        spec=load_spec(overrides=CODES),
        products={product.code: product},
        notifier=RecordingNotifier(),
    )
    reports: list[MonthReport] = [] if monthly is None else monthly
    borrowers = [_borrower(rng, n, months) for n in range(loans)]
    opening = {b.index: START + timedelta(days=rng.randrange(0, 90)) for b in borrowers}
    end = add_months(START, months)
    day = START
    label = "模拟贷后" if lang == "zh" else "simulating"
    with Progress(label, total=(end - day).days, quiet=quiet) as progress:
        while day < end:
            clock.set(day)
            for borrower in borrowers:
                if opening[borrower.index] == day:
                    borrower.loan_id = _open(servicing, product, borrower, rng, day)
            _deliver(servicing, gateway)
            for borrower in borrowers:
                if borrower.loan_id:
                    _behave(servicing, gateway, borrower, rng, day)
            _deliver(servicing, gateway)  # the day's repayment requests are collected the same day
            if day.day == 1 and day > START:  # last month's credit-reporting files
                reports.append(_credit_report(reporting, day - timedelta(days=1), credit_reports))
            servicing.run_eod(day, engine=engine)  # type: ignore[arg-type]
            reporting.send_notices(day)
            if check_books:
                differences = reconcile(books, day)
                if differences:
                    raise SystemExit(
                        f"the books do not reconcile on {day}: "
                        + "; ".join(d.describe() for d in differences)
                    )
            if day.day == 1:
                active = _active(store)
                progress.advance(
                    0,
                    label=f"{label} {day}：{active} 笔在贷"
                    if lang == "zh"
                    else f"{label} {day}: {active} active loans",
                )
            progress.advance()
            day += timedelta(days=1)
    _deliver(servicing, gateway)
    clock.set(end)
    reports.append(_credit_report(reporting, end - timedelta(days=1), credit_reports))
    last = end - timedelta(days=1)
    report = portfolio_report(store, {product.code: product}, last)
    transferred = sum((b.transferred for b in borrowers), Decimal(0))
    check = _reconcile(report.total.repaid, report.total.disbursed, transferred, gateway)
    credit = "\n".join(_credit_line(r) for r in reports)
    books_lines = _books(books, START, last, check_books, lang)
    return render_report(report, lang) + "\n" + check + "\n" + credit + "\n" + books_lines


def _credit_report(reporting: CreditReporting, last_day: date, folder: str | None) -> MonthReport:
    report = reporting.run_month(last_day.strftime("%Y-%m"), actor="simulation")
    if folder is not None:
        report.write(folder)
    return report


def _credit_line(report: MonthReport) -> str:
    summary = report.summary
    records = sum(f["records"] for f in summary["files"])
    balance = summary["balance"]
    state = "equal" if summary["equal"] else "NOT EQUAL"
    return (
        f"credit reporting {summary['month']}: {len(summary['files'])} files, {records} records; "
        f"balance ledger {balance['ledger']} = reported {balance['reported']} + held {balance['held']}; "
        f"overdue ledger {summary['overdue']['ledger']} -> {state}"
    )


def _borrower(rng: random.Random, index: int, months: int) -> Borrower:
    roll = rng.random()
    kind = "good" if roll < 0.75 else "late" if roll < 0.92 else "defaulter"
    borrower = Borrower(index=index, kind=kind, account=f"6222{index:012d}")
    if kind == "late":
        borrower.late_months = frozenset(rng.sample(range(1, 13), k=rng.randint(1, 4)))
        borrower.late_days = rng.choice([2, 5, 12, 20, 45])
    elif kind == "defaulter":
        borrower.default_month = rng.randint(1, max(1, min(10, months - 1)))
        borrower.recovers = rng.random() < 0.4
    elif rng.random() < 0.08:
        borrower.prepay_month = rng.randint(4, 12)
    borrower.misuses = rng.random() < 0.01
    return borrower


def _open(
    servicing: Servicing, product: ProductSpec, borrower: Borrower, rng: random.Random, day: date
) -> str:
    term = rng.choice([12, 24, 36])
    rate = Decimal(rng.choice(["0.039", "0.042", "0.045", "0.072", "0.108"]))
    terms = contract_terms(  # as origination prices it: the pricing rules set the rate
        product,
        Decimal(rng.randrange(10, 1000)) * 100,
        term,
        method=RepaymentMethod.annuity,
        start=day,
        pricing=PricingDecision(rate=rate),
    )
    customer_id = f"cust-{borrower.index:05d}"
    _register(servicing, borrower, customer_id)
    request = LoanRequest(
        customer_id=customer_id,
        borrower_name=f"客户{borrower.index}",
        borrower_id_number=f"11010119900101{borrower.index % 10000:04d}",
        terms=terms,
        apr=apr(rate, term),
        account=borrower.account,
        account_name=f"客户{borrower.index}",
        payee_category="consumption",
        # a simulated borrower's card, as if verified by its four elements at registration
        payout_account_id=seed_payout_account(
            servicing.store,
            customer_id=f"cust-{borrower.index:05d}",
            number=borrower.account,
            holder=f"客户{borrower.index}",
            at=servicing.clock.now(),
        ).id,
    )
    key = f"b{borrower.index}"
    contract = servicing.open_loan(request, key=f"{key}-open")
    servicing.sign_contract(
        contract.id,
        signer=request.customer_id,
        role="borrower",
        method=SignatureMethod.face,
        key=f"{key}-sign-b",
    )
    servicing.sign_contract(
        contract.id, signer="bank", role="lender", method=SignatureMethod.ca_certificate, key=f"{key}-sign-l"
    )
    servicing.disburse(contract.loan_id, key=f"{key}-disburse")
    return contract.loan_id


def _register(servicing: Servicing, borrower: Borrower, customer_id: str) -> None:
    """The borrower as a customer: the identity credit reporting names (a valid, fictitious ID)."""
    first = f"11010119900101{borrower.index % 1000:03d}"
    profile = IndividualProfile(
        id_number=first + id_check_character(first),
        name=f"客户{borrower.index}",
        phone="13800138000",
        annual_income=Decimal("120000"),
        employment=Employment(kind=EmploymentKind.salaried),
    )
    with servicing.store.transaction() as tx:
        if tx.repo(Customer).find(customer_id) is None:
            tx.repo(Customer).add(
                Customer(
                    id=customer_id,
                    type=CustomerType.individual,
                    identity_hash=f"{borrower.index:064d}",
                    individual=profile,
                    registered_at=clock_at(START),
                )
            )


@cache
def apr(rate: Decimal, term: int) -> Decimal:
    """The disclosed APR of a monthly annuity (the offer would carry it; 年化利率)."""
    terms = LoanTerms(principal=Decimal("10000"), annual_rate=rate, term=term)
    return annual_percentage_rate(build_schedule(terms)).disclosed()[0]


def _behave(
    servicing: Servicing, gateway: SimulatedGateway, b: Borrower, rng: random.Random, day: date
) -> None:
    """One borrower's day. The loan is read only when the borrower's plan needs it (reading every
    loan every day would cost more than the end of day itself)."""
    if b.closed:
        return
    if not b.due_dates:
        _read(servicing, b)
        if not b.due_dates:
            return
    installment = sum(1 for d in b.due_dates if d <= day + timedelta(days=1))
    if b.kind == "defaulter":
        _fund(gateway, b, installment < b.default_month)
        if installment >= b.default_month and day.weekday() == 0:  # staff review delinquent loans weekly
            loan = servicing.loan(b.loan_id)
            if loan.status is LoanStatus.written_off:
                if b.recovers and rng.random() < 0.05:  # a recovery arrives by bank transfer
                    _transfer(servicing, b, Decimal(rng.randrange(1, 20)) * 100, day)
            elif loan.days_past_due > 360:  # 损失: written off after a year
                servicing.write_off(b.loan_id, key=f"wo-{b.index}", reason="uncollectable after 360 days")
            elif b.recovers and loan.days_past_due > 120 and rng.random() < 0.1:
                _transfer(servicing, b, Decimal(rng.randrange(1, 10)) * 100, day)
    elif b.kind == "late":
        late = any(
            d - timedelta(days=1) <= day < d + timedelta(days=b.late_days)
            for n, d in enumerate(b.due_dates, 1)
            if n in b.late_months
        )
        _fund(gateway, b, not late)
    else:
        _fund(gateway, b, True)
        if (
            b.prepay_month
            and installment == b.prepay_month
            and day == b.due_dates[installment - 1] + timedelta(10)
        ):
            try:  # the payoff is collected through the gateway (see the afternoon delivery)
                servicing.request_prepayment(b.loan_id, key=f"prepay-{b.index}")
                b.closed = True
            except LoanfactoryError as exc:  # a product rule may refuse it: the borrower keeps paying
                print(f"  prepayment refused for {b.loan_id}: {exc}", file=sys.stderr)
    if b.misuses and b.start is not None and day == b.start + timedelta(days=10):
        record = PaymentRecord(
            loan_id=b.loan_id,
            at=clock_at(day),
            amount=Decimal("5000"),
            payee="某证券营业部",
            payee_category="securities",
        )
        servicing.observe_payment(record)
    if b.due_dates and day > b.due_dates[-1] + timedelta(days=3) and b.kind != "defaulter":
        b.closed = servicing.loan(b.loan_id).status is not LoanStatus.active


def _transfer(servicing: Servicing, b: Borrower, amount: Decimal, day: date) -> None:
    """Money the borrower transferred to the bank, confirmed by the bank and credited."""
    reference = f"TRF-{b.index}-{day.isoformat()}"
    confirmed = PaymentConfirmation(
        channel=PaymentChannel.bank_transfer, reference=reference, amount=amount, settled_on=day
    )
    servicing.repay(b.loan_id, confirmed, key=reference)
    b.transferred += amount


def _read(servicing: Servicing, b: Borrower) -> None:
    loan = servicing.loan(b.loan_id)
    if loan.status is LoanStatus.active:
        b.due_dates = tuple(r.due_date for r in loan.schedule)
        b.start = loan.start


def _fund(gateway: SimulatedGateway, b: Borrower, funded: bool) -> None:
    if b.funded is not funded:
        gateway.fund(b.account, RICH if funded else Decimal(0))
        b.funded = funded


def clock_at(day: date) -> datetime:
    return datetime.combine(day, clock_time(14, 0), tzinfo=CST)


def _deliver(servicing: Servicing, gateway: SimulatedGateway) -> None:
    servicing.relay_payments()
    servicing.poll_payments()
    for result in gateway.callbacks():
        servicing.apply_payment_result(result)


def _active(store: Store) -> int:
    with store.transaction() as tx:
        return len(tx.repo(Loan).list(status=LoanStatus.active))


def _books(books: GeneralLedger, start: date, last: date, checked: bool, lang: str) -> str:
    """The books over the whole run: the trial balance's totals and the income statement."""
    tb = books.trial_balance(start, last)
    _, debit, credit, _ = tb.totals()
    income = tb.total_change(AccountType.income)
    expense = tb.total_change(AccountType.expense)
    days = (last - start).days + 1
    if lang == "zh":
        lines = [
            f"总账：借方发生额 {debit}，贷方发生额 {credit}，试算{'平衡' if tb.balanced else '不平衡'}；"
            f"收入 {income}，费用 {expense}，损益 {tb.net_income}",
        ]
        if checked:
            lines.append(f"总分核对：{days} 天每日核对，全部相符")
    else:
        lines = [
            f"books: debit turnover {debit}, credit turnover {credit}, "
            f"trial balance {'balanced' if tb.balanced else 'NOT BALANCED'}; "
            f"income {income}, expense {expense}, net {tb.net_income}",
        ]
        if checked:
            lines.append(f"subledger = GL control accounts on each of {days} days")
    return "\n".join(lines) + "\n"


def _reconcile(repaid: Decimal, disbursed: Decimal, transferred: Decimal, gateway: SimulatedGateway) -> str:
    """The ledger's cash against what the gateway and the bank confirmed, to the fen."""
    moved_out = gateway.settled(PaymentDirection.payout)
    debited = gateway.settled(PaymentDirection.debit)
    ok = disbursed == moved_out and repaid == debited + transferred
    return (
        f"reconciliation: disbursed {disbursed} / paid out {moved_out}; repaid {repaid} "
        f"(collected {debited} + transfers {transferred}) -> {'ok' if ok else 'MISMATCH'}"
    )


if __name__ == "__main__":
    raise SystemExit(main())

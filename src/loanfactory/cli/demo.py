"""``loanfactory demo`` — the whole lifecycle on the embedded SQLite store, in a minute.

1. validate and summarise the products and rules;
2. quote a consumer loan (schedule, fees, APR);
3. originate the test kit's sample book of applicants (individuals and enterprises): automatic
   decisions with reasons, the manual-review queue (初审 then 复审), offers with APR, credit lines;
4. accept the offers, sign the contracts and disburse; then run the end of day for several months
   with auto-debits — one borrower runs short of money for a while — and print the portfolio.

Everything is stored in a fresh SQLite file (``loanfactory-demo.db`` by default) that
``loanfactory serve --simulate --db sqlite:///loanfactory-demo.db`` can then serve. KYC, bureau, payments and
signatures are the simulated providers of :mod:`loanfactory.testing`; the business dates are fixed,
so every run prints the same figures.
"""

from __future__ import annotations

import sys
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from loanfactory.cli import language
from loanfactory.cli.progress import Progress
from loanfactory.entity import CST, SequentialIds
from loanfactory.errors import Language, LoanfactoryError
from loanfactory.money import format_money, format_rate

START = datetime(2025, 8, 1, 9, 30, tzinfo=CST)
SHORT_OF_MONEY = "刘洋"  # this borrower's account runs dry for 40 days after the second due date


@click.command()
@click.option(
    "--db", default="sqlite:///loanfactory-demo.db", show_default=True, help="Where to store the demo."
)
@click.option("--products", "products_dir", default="products", show_default=True, type=click.Path())
@click.option("--rules", "rules_dir", default="rules", show_default=True, type=click.Path())
@click.option("--months", default=6, show_default=True, type=click.IntRange(1, 36), help="Months to run.")
@click.option(
    "--lang",
    "demo_lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="The demo's one language (default: the global --lang, LOANFACTORY_LANG or LANG).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar on stderr.")
@click.pass_context
def demo(
    ctx: click.Context,
    db: str,
    products_dir: str,
    rules_dir: str,
    months: int,
    demo_lang: str | None,
    quiet: bool,
) -> None:
    """Run the demo: products, a quote, origination and servicing on the embedded SQLite store."""
    lang: Language = "zh" if (demo_lang or language(ctx)) == "zh" else "en"
    for folder in (products_dir, rules_dir):
        if not Path(folder).is_dir():
            raise click.UsageError(f"no folder '{folder}': run the demo from the project's root folder")
    try:
        _run(db, Path(products_dir), Path(rules_dir), months, lang, quiet)
    except LoanfactoryError as exc:
        click.echo(f"loanfactory demo: {exc.localized(lang)}", err=True)
        sys.exit(1)


def _run(db: str, products_dir: Path, rules_dir: Path, months: int, lang: Language, quiet: bool) -> None:
    from loanfactory.adapters.blob import FileBlobStore
    from loanfactory.adapters.sql import SqlStore
    from loanfactory.archive import Archive
    from loanfactory.catalog import load_catalog
    from loanfactory.cli.credit_bureau import demo_section
    from loanfactory.lender import Lender, Payee
    from loanfactory.product import ProductCatalog
    from loanfactory.regulatory import load_spec
    from loanfactory.testing import (
        FixedClock,
        RecordingNotifier,
        SimulatedBureau,
        SimulatedGateway,
        SimulatedKyc,
        SimulatedSigner,
        sample_book,
        verify_corporate_account,
        verify_payee,
    )

    zh = lang == "zh"
    catalog, problems = load_catalog([products_dir, rules_dir])
    errors = [p for p in problems if p.severity == "error"]
    _title("1. 产品目录" if zh else "1. The product catalog")
    if errors:
        for problem in errors:
            click.echo(problem.in_language(lang).format())
        raise click.ClickException(f"{len(errors)} error(s) in the product files")
    products = ProductCatalog.from_catalog(catalog)
    _products(products, lang)

    _title("2. 报价" if zh else "2. A quote")
    quote = products.product("consumer_credit").quote(Decimal(50000), 12, start=START.date())
    _quote(quote, lang)

    _title("3. 审批" if zh else "3. Origination")
    if db.startswith("sqlite:///"):
        Path(db.removeprefix("sqlite:///")).unlink(missing_ok=True)  # a fresh demo every time
    clock = FixedClock(START)
    gateway = SimulatedGateway(clock=clock)
    store = SqlStore(db, clock=clock)
    archive_dir, reports_dir = _compliance_folders(db)
    lender = Lender(
        store=store,
        products=products,
        clock=clock,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas=sample_book.personas()),  # type: ignore[arg-type]
        notifier=RecordingNotifier(),
        gateway=gateway,
        signer=SimulatedSigner(),
        ids=SequentialIds(),
        archive=Archive(store, FileBlobStore(archive_dir), clock),
        reporting=load_spec(overrides=DEMO_CODES),
    )
    results = []
    for person in sample_book.PEOPLE:
        customer = lender.origination.register_customer(
            sample_book.individual(person), idempotency_key=f"reg-{person['ID number']}", language=lang
        )
        request = sample_book.individual_request(person, customer.id, START)
        results.append(
            (person["name"], lender.origination.originate(request, idempotency_key=f"app-{customer.id}"))
        )
    for firm in sample_book.FIRMS:
        customer = lender.origination.register_customer(
            sample_book.enterprise(firm), idempotency_key=f"reg-{firm['credit code']}", language=lang
        )
        verify_corporate_account(lender.payout_accounts, gateway, customer)  # the small-deposit check
        request = sample_book.enterprise_request(firm, customer.id, START)
        results.append(
            (firm["name"], lender.origination.originate(request, idempotency_key=f"app-{customer.id}"))
        )
    for name, result in results:
        _decision(name, result, lang)
    click.echo(
        "\n人工审核（初审 + 复审）之后：" if zh else "\nAfter manual review (first and second review):"
    )
    reviewed = sample_book.review_queue(lender.origination, results)
    for name, outcome in reviewed:
        if any(n == name and r.outcome == "manual_review" for n, r in results):
            _decision(name, outcome, lang)

    _title("4. 放款与贷后" if zh else "4. Disbursement and servicing")
    offers = [(name, outcome.offer) for name, outcome in reviewed if outcome.offer is not None]
    loans: dict[str, str] = {}
    for name, offer in offers:
        payee = None
        if offer.product_code == "micro_business":  # large business loans pay the supplier directly
            payee = Payee(
                name="上海精工设备制造有限公司", account="31001234567890123456", category="equipment"
            )
            verify_payee(
                lender.payout_accounts,
                gateway,
                offer.customer_id,
                name=payee.name,
                number=payee.account,
                bank="中国银行",
                category=payee.category,
            )
        contract = lender.accept_offer(offer.id, key=f"accept-{offer.id}", payee=payee)
        for role, signer in (("borrower", offer.customer_id), ("lender", "demo-bank")):
            lender.servicing.sign_contract(
                contract.id,
                signer=signer,
                role=role,
                method=_signature_method(),
                key=f"sign-{role}-{contract.id}",
            )
        lender.servicing.disburse(contract.loan_id, key=f"disburse-{contract.loan_id}")
        loans[name] = contract.loan_id
    _deliver(lender, gateway)
    click.echo(
        f"{len(loans)} 笔贷款已签约并放款，共 {format_money(_sum_amounts(lender, loans))} 元"
        if zh
        else f"{len(loans)} loans signed and disbursed, "
        f"{format_money(_sum_amounts(lender, loans))} yuan in all"
    )
    late_account = _account_of(lender, loans.get(SHORT_OF_MONEY))
    late_from, late_until = _late_window(lender, loans.get(SHORT_OF_MONEY))
    end = _add_months(START.date(), months)
    day = START.date()
    worst = 0  # the late borrower's worst days past due
    label = "日终" if zh else "end of day"
    with Progress(label, total=(end - day).days, quiet=quiet) as progress:
        while day < end:
            if day > clock.today():
                clock.set(day)
            if late_account is not None and late_from is not None and late_until is not None:
                gateway.fund(late_account, Decimal(0) if late_from <= day < late_until else Decimal(10**9))
            _deliver(lender, gateway)
            lender.end_of_day(day)
            if SHORT_OF_MONEY in loans and late_from is not None and late_from <= day <= (late_until or day):
                worst = max(worst, lender.servicing.loan(loans[SHORT_OF_MONEY]).days_past_due)
            progress.advance(label=f"{label} {day}")
            day += timedelta(days=1)
    _deliver(lender, gateway)
    if SHORT_OF_MONEY in loans and late_from is not None:
        penalty = _penalty_charged(lender, loans[SHORT_OF_MONEY])
        click.echo(
            f"{SHORT_OF_MONEY}的扣款账户自 {late_from} 起余额不足 40 天：最长逾期 {worst} 天，"
            f"罚息及复利共 {format_money(penalty)} 元，补足后自动扣款结清"
            if zh
            else f"{SHORT_OF_MONEY}'s account ran dry for 40 days from {late_from}: at worst {worst} "
            f"days past due, {format_money(penalty)} yuan of penalty and compound interest, "
            "settled by auto-debit once funded"
        )
    _portfolio(lender, products, end - timedelta(days=1), lang)
    _title("5. 征信报送与合规档案" if zh else "5. Credit reporting and the compliance archive")
    demo_section(lender, clock, START.date(), end, reports_dir, lang)
    click.echo(
        (
            "\n演示数据保存在 {db}；查看："
            "LOANFACTORY_ARCHIVE={archive} loanfactory serve --simulate --db {db}"
            if zh
            else "\nThe demo is stored in {db}; serve it with: "
            "LOANFACTORY_ARCHIVE={archive} loanfactory serve --simulate --db {db}"
        ).format(db=db, archive=archive_dir)
    )


DEMO_CODES = {"provider_code": "D0000000000001", "management_code": "D0000000000001"}
"""Institution codes for the demo's credit-reporting files (a bank sets its own)."""


def _compliance_folders(db: str) -> tuple[Path, Path]:
    """The archive's folder and the credit-reporting files' folder next to a SQLite demo database
    (emptied first: a fresh demo every time)."""
    import shutil

    base = Path(db.removeprefix("sqlite:///")) if db.startswith("sqlite:///") else Path("loanfactory-demo.db")
    archive, reports = base.with_name(base.stem + "-archive"), base.with_name(base.stem + "-credit-reports")
    for folder in (archive, reports):
        shutil.rmtree(folder, ignore_errors=True)
    return archive, reports


def _title(text: str) -> None:
    click.echo(f"\n== {text} ==")


def _width(text: str) -> int:
    """Terminal columns of ``text`` (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _products(products: Any, lang: Language) -> None:
    width = max(_width(p.spec.name.text(lang)) for p in products) + 2
    for product in products:
        spec = product.spec
        terms = spec.term.values()
        unit = {"months": "个月", "days": "天"}[spec.term.unit.value] if lang == "zh" else str(spec.term.unit)
        rate = spec.rate
        priced = (
            format_rate(rate.annual)
            if rate.type == "fixed"
            else f"LPR {rate.tenor} {'+' if rate.spread >= 0 else ''}{format_rate(rate.spread)}"
        )
        methods = ("、" if lang == "zh" else ",").join(_method(m, lang) for m in spec.repayment.methods)
        amount = f"{format_money(spec.amount.min)}–{format_money(spec.amount.max)}"
        click.echo(
            f"  {_pad(spec.code, 22)}{_pad(spec.name.text(lang), width)}{amount:>24}  "
            f"{_pad(f'{terms[0]}–{terms[-1]} {unit}', 16)}{priced:<16} {methods}"
        )


def _quote(quote: Any, lang: Language) -> None:
    schedule = quote.schedule
    zh = lang == "zh"
    click.echo(
        (
            "个人消费贷 50000 元 × 12 期，{method}，年利率 {rate}"
            if zh
            else "consumer_credit 50000 x 12, {method}, rate {rate}"
        ).format(method=_method(quote.terms.method, lang), rate=format_rate(quote.terms.annual_rate))
    )
    rows = list(schedule.installments)
    for row in [*rows[:3], rows[-1]]:
        click.echo(
            f"  {row.number:>3}  {row.due_date}  {format_money(row.principal):>10}"
            f"  {format_money(row.interest):>8}  {format_money(row.total):>10}"
            f"  {format_money(row.balance):>10}"
        )
    totals = schedule.totals
    click.echo(
        (
            "  合计利息 {i}，合计 {t}；APR（IRR×12）{apr}"
            if zh
            else "  interest {i}, total {t}; APR (IRR x 12) {apr}"
        ).format(
            i=format_money(totals.interest),
            t=format_money(totals.total),
            apr=format_rate(quote.apr.nominal, 2),
        )
    )


def _decision(name: str, result: Any, lang: Language) -> None:
    offer = getattr(result, "offer", None)
    if offer is not None:
        text = (
            f"批准 {format_money(offer.amount)} 元 × {offer.term} 期，"
            f"年利率 {format_rate(offer.annual_rate)}，APR {format_rate(offer.apr, 2)}"
            if lang == "zh"
            else f"approved {format_money(offer.amount)} x {offer.term}, "
            f"rate {format_rate(offer.annual_rate)}, APR {format_rate(offer.apr, 2)}"
        )
        click.echo(f"  ✔ {_pad(name, 30)} {text}")
        return
    application = result.application
    status = application.status.value
    reasons = ("；" if lang == "zh" else "; ").join(r.text(lang) for r in application.reasons) or "-"
    mark = {"manual-review": "…", "info-requested": "?"}.get(status, "✘")
    shown = _STATUS_ZH.get(status, status) if lang == "zh" else status
    click.echo(f"  {mark} {_pad(name, 30)} {shown}{'：' if lang == 'zh' else ': '}{reasons}")


_STATUS_ZH = {"manual-review": "转人工审核", "info-requested": "待补件", "rejected": "拒绝"}
_METHOD_ZH = {
    "annuity": "等额本息",
    "equal_principal": "等额本金",
    "interest_only": "先息后本",
    "bullet": "到期还本付息",
    "flat": "等本等息",
    "balloon": "气球贷",
}


def _method(method: Any, lang: Language) -> str:
    value = str(getattr(method, "value", method))
    return _METHOD_ZH.get(value, value) if lang == "zh" else value


def _signature_method() -> Any:
    from loanfactory.ports import SignatureMethod

    return SignatureMethod.face


def _deliver(lender: Any, gateway: Any) -> None:
    lender.servicing.relay_payments()
    lender.servicing.poll_payments()
    for result in gateway.callbacks():
        lender.servicing.apply_payment_result(result)
    lender.relay()


def _sum_amounts(lender: Any, loans: dict[str, str]) -> Decimal:
    return sum((lender.servicing.loan(loan_id).amount for loan_id in loans.values()), Decimal(0))


def _account_of(lender: Any, loan_id: str | None) -> str | None:
    return None if loan_id is None else str(lender.servicing.loan(loan_id).account)


def _late_window(lender: Any, loan_id: str | None) -> tuple[date | None, date | None]:
    if loan_id is None:
        return None, None
    schedule = lender.servicing.loan(loan_id).schedule
    if len(schedule) < 2:
        return None, None
    second = schedule[1].due_date
    return second - timedelta(days=1), second + timedelta(days=40)


def _penalty_charged(lender: Any, loan_id: str) -> Decimal:
    with lender.store.transaction() as tx:
        entries = tx.ledger.entries(loan_id)
    return sum((e.amount for e in entries if e.type == "penalty"), Decimal(0))


def _add_months(day: date, months: int) -> date:
    from loanfactory.calendar import add_months

    return add_months(day, months)


def _portfolio(lender: Any, products: Any, as_of: date, lang: Language) -> None:
    from loanfactory.reporting import portfolio_report, render_report

    specs = {code: p.spec for code, p in products.products.items()}
    report = portfolio_report(lender.store, specs, as_of)
    click.echo(render_report(report, lang))

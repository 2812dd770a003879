"""Every shipped report over the seeded book: the same figures on the memory store, SQLite and
PostgreSQL, and the figures equal to counts and sums the tests make themselves from the raw records
(ledger postings, loans, customers, applications) with plain Decimal arithmetic."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from report_book import PEOPLE, Book

from loanfactory.adapters.sql import SqlStore
from loanfactory.errors import InvalidInput
from loanfactory.origination import Application, ApplicationStatus, Customer
from loanfactory.ports import Store
from loanfactory.reporting import ReportResult, report_library, run_report
from loanfactory.servicing import Loan

pytestmark = pytest.mark.xdist_group("report-book")
LIBRARY = report_library()
TODAY = date(2026, 6, 30)
D = Decimal


def _run(store: Store, name: str, period: str, products: dict[str, Any], lang: str = "zh") -> ReportResult:
    return run_report(store, LIBRARY[name], period, today=TODAY, products=products, lang=lang)


def _figures(result: ReportResult) -> list[Any]:
    return [
        ([(r.keys, dict(r.values)) for r in s.rows], dict(s.total.values) if s.total else None)
        for s in result.sections
    ]


def _section(result: ReportResult, zh_title: str) -> Any:
    return next(s for s in result.sections if s.section.title and s.section.title.zh == zh_title)


def _ledger(book: Book) -> dict[str, list[Any]]:
    with book.store.transaction() as tx:
        return {loan.id: tx.ledger.entries(loan.id) for loan in tx.repo(Loan).list()}


def _principal(entries: list[Any], day: date) -> Decimal:
    return sum((e.principal for e in entries if e.business_date <= day), D(0))


@pytest.mark.parametrize("name", sorted(LIBRARY))
@pytest.mark.parametrize("period", ["2026-03", "2026-06"])
def test_sqlite_gives_the_memory_stores_figures(
    book: Book, sqlite_book: SqlStore, products: dict[str, Any], name: str, period: str
) -> None:
    assert _figures(_run(sqlite_book, name, period, products)) == _figures(
        _run(book.store, name, period, products)
    )


@pytest.mark.postgres
@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_postgresql_gives_the_memory_stores_figures(
    book: Book, pg_book: SqlStore, products: dict[str, Any], name: str
) -> None:
    assert _figures(_run(pg_book, name, "2026-06", products)) == _figures(
        _run(book.store, name, "2026-06", products)
    )


@pytest.mark.parametrize("period", ["2026-02", "2026-04", "2026-06"])
def test_each_section_of_the_loans_return_totals_the_ledgers_principal(
    book: Book, products: dict[str, Any], period: str
) -> None:
    result = _run(book.store, "regulatory-loans", period, products)
    end = result.end
    ledger = _ledger(book)
    with book.store.transaction() as tx:
        loans = {loan.id: loan for loan in tx.repo(Loan).list()}
    outstanding = {
        loan_id: _principal(entries, end)
        for loan_id, entries in ledger.items()
        if loans[loan_id].start is not None and loans[loan_id].start <= end  # type: ignore[operator]
    }
    balance = sum(outstanding.values(), D(0))
    assert balance > 0
    assert len(result.sections) == 7
    for section in result.sections:
        assert section.total is not None
        assert section.total.values["balance"] == balance
        assert section.total.values["loans"] == len(outstanding)
        assert sum((r.values["balance"] for r in section.rows), D(0)) == balance
        assert sum(r.values["loans"] for r in section.rows) == len(outstanding)
    by_city: dict[str, Decimal] = defaultdict(Decimal)
    city = {f"客户{p.n}": p.city for p in PEOPLE}
    with book.store.transaction() as tx:
        customers = {c.id: c for c in tx.repo(Customer).list()}
    for loan_id, amount in outstanding.items():
        customer = customers[loans[loan_id].customer_id]
        assert customer.individual is not None
        by_city[city[customer.individual.name]] += amount
    region = _section(result, "按地区")
    assert {r.labels[0]: r.values["balance"] for r in region.rows} == dict(by_city)
    guarantee = _section(result, "按担保方式")
    assert [(r.labels[0], r.values["share"]) for r in guarantee.rows] == [("信用", D("1.0000"))]


def test_the_five_category_section_follows_days_past_due(book: Book, products: dict[str, Any]) -> None:
    result = _run(book.store, "regulatory-loans", "2026-06", products)
    classes = {r.keys[0]: r.values for r in _section(result, "按五级分类").rows}
    ledger = _ledger(book)
    never = book.loans[3]  # never paid: more than 90 days past due by the end of June -> 次级
    assert classes["substandard"]["loans"] == 1
    assert classes["substandard"]["balance"] == _principal(ledger[never], date(2026, 6, 30)) == D("30000")


def test_rate_monitoring_of_new_loans(book: Book, products: dict[str, Any]) -> None:
    result = _run(book.store, "rate-monitoring", "2026-Q1", products)
    with book.store.transaction() as tx:
        new = [
            loan
            for loan in tx.repo(Loan).list()
            if loan.start and date(2026, 1, 1) <= loan.start <= date(2026, 3, 31)
        ]
    amount = sum((loan.amount for loan in new), D(0))
    weighted = sum((loan.amount * loan.terms.rate.annual for loan in new), D(0)) / amount
    by_product = _section(result, "按产品")
    [row] = by_product.rows
    assert row.values["loans"] == len(new) == 6
    assert row.values["amount"] == amount == D("450000")
    assert row.values["average_rate"] == weighted.quantize(D("0.000001"), rounding=ROUND_HALF_UP)
    assert row.values["lowest_rate"] == min(loan.terms.rate.annual for loan in new)
    assert row.values["highest_rate"] == max(loan.terms.rate.annual for loan in new)
    terms = Counter("1年以内（含1年）" if loan.terms.term <= 12 else "1至5年（含5年）" for loan in new)
    assert {r.labels[0]: r.values["loans"] for r in _section(result, "按期限").rows} == dict(terms)
    disbursed = sum(  # the ledger's own disbursements in the quarter: the return's total
        (
            e.amount
            for entries in _ledger(book).values()
            for e in entries
            if e.type == "disbursement" and date(2026, 1, 1) <= e.business_date <= date(2026, 3, 31)
        ),
        D(0),
    )
    by_rate = _section(result, "按利率区间")
    assert by_rate.total is not None
    assert by_rate.total.values["amount"] == disbursed == amount
    assert sum((r.values["share"] for r in by_rate.rows), D(0)) == 1


def test_loan_flows_equal_the_ledgers_postings(book: Book, products: dict[str, Any]) -> None:
    result = _run(book.store, "loan-flows", "2026-05", products)
    ledger = _ledger(book)
    first, last = date(2026, 5, 1), date(2026, 5, 31)
    in_may = [e for entries in ledger.values() for e in entries if first <= e.business_date <= last]
    repaid = sum(
        (e.principal for e in in_may if e.type in ("repayment", "prepayment", "credit-applied")), D(0)
    )
    interest = sum((e.interest for e in in_may if e.type == "interest"), D(0))
    [row] = _section(result, "按产品").rows
    assert row.values["disbursed"] == D(0)
    assert row.values["principal_repaid"] == repaid < 0
    assert row.values["interest_charged"] == interest > 0
    assert row.values["balance"] == sum((_principal(e, last) for e in ledger.values()), D(0))
    opening = sum(
        (_principal(e, first.replace(day=1) - (first - date(2026, 4, 30))) for e in ledger.values()), D(0)
    )
    assert opening + row.values["disbursed"] + repaid + row.values["written_off"] == row.values["balance"]


def test_user_growth_counts_the_raw_records(book: Book, products: dict[str, Any]) -> None:
    result = _run(book.store, "user-growth", "2026-06", products)
    by_month = {r.keys[0]: r.values for r in _section(result, "各期增长").rows}
    registered = Counter(p.registered.strftime("%Y-%m") for p in PEOPLE)
    applied = Counter(p.registered.strftime("%Y-%m") for p in PEOPLE if p.apply)
    assert {m: v["registered"] for m, v in by_month.items() if v["registered"]} == dict(registered)
    assert {m: v["verified"] for m, v in by_month.items() if v["verified"]} == dict(registered)
    assert {m: v["applicants"] for m, v in by_month.items() if v["applicants"]} == dict(applied)
    assert by_month["2026-06"]["borrowers"] == len(book.loans)
    assert list(by_month) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    channels = {
        (r.keys[0], r.keys[1]): r.values["registered"] for r in _section(result, "各期注册用户按渠道").rows
    }
    assert channels == dict(Counter((p.registered.strftime("%Y-%m"), p.channel) for p in PEOPLE))


@pytest.mark.parametrize("grain", ["week", "day"])
def test_user_growth_by_week_and_by_day(book: Book, products: dict[str, Any], grain: str) -> None:
    result = run_report(
        book.store, LIBRARY["user-growth"], "2026-01", today=TODAY, products=products, grain=grain
    )
    rows = {r.keys[0]: r.values for r in _section(result, "各期增长").rows}

    def label(day: date) -> str:  # a week is named by its Monday
        return (day - timedelta(days=day.weekday())).isoformat() if grain == "week" else day.isoformat()

    january = [p for p in PEOPLE if p.registered.month == 1]
    assert {k: v["registered"] for k, v in rows.items() if v["registered"]} == dict(
        Counter(label(p.registered) for p in january)
    )
    assert result.definition.grain == grain
    if grain == "day":  # the whole month day by day (the span of 6 never cuts the period short)
        assert all(k.startswith("2026-01") for k in rows)
        assert max(rows) == "2026-01-31"
        assert rows["2026-01-19"]["borrowers"] == 2  # people 1 and 2; 3 registers on the 20th


@pytest.mark.parametrize(
    ("name", "grain", "words"),
    [
        ("user-growth", "fortnight", "unknown period grain"),
        ("regulatory-loans", "week", "no period dimension"),
    ],
)
def test_a_grain_the_report_cannot_take_is_refused(
    book: Book, products: dict[str, Any], name: str, grain: str, words: str
) -> None:
    with pytest.raises(InvalidInput, match=words) as refused:
        run_report(book.store, LIBRARY[name], "2026-06", today=TODAY, products=products, grain=grain)
    assert refused.value.field == "grain"


def test_risk_approvals_and_overdue(book: Book, products: dict[str, Any]) -> None:
    result = _run(book.store, "risk", "2026-06", products)
    with book.store.transaction() as tx:
        applications = tx.repo(Application).list()
    approved = [a for a in applications if a.status is ApplicationStatus.accepted]
    rejected = [a for a in applications if a.status is ApplicationStatus.rejected]
    rows = _section(result, "审批").rows
    assert sum(r.values["auto_approved"] for r in rows) == len(approved) == len(book.loans)
    assert sum(r.values["rejected"] for r in rows) == len(rejected) == 1
    feb = next(r for r in rows if r.keys[0] == "2026-02")
    assert feb.values["approval_rate"] == (D(2) / D(3)).quantize(D("0.0001"), rounding=ROUND_HALF_UP)
    trend = {r.keys[0]: r.values for r in _section(result, "各期逾期与不良").rows}
    ledger = _ledger(book)
    end = date(2026, 6, 30)
    total = sum((_principal(e, end) for e in ledger.values()), D(0))
    late = _principal(ledger[book.loans[3]], end)
    assert trend["2026-06"]["balance"] == total
    assert trend["2026-06"]["overdue_rate"] == (late / total).quantize(D("0.0001"), rounding=ROUND_HALF_UP)
    buckets = {r.labels[0]: r.values["loans"] for r in _section(result, "逾期分段（期末）").rows}
    assert buckets == {"未逾期": len(book.loans) - 1, "M3+（90天以上）": 1}
    rolls = {
        (r.keys[0], r.keys[1]): r.values["roll_rate"]
        for r in _section(result, "迁徙率（上月末 → 本月末）").rows
    }
    assert rolls[(4, 4)] == D("1.0000")  # once over 90 days, the unpaid loan stays there


def test_vintage_cohorts_are_the_months_of_disbursement(book: Book, products: dict[str, Any]) -> None:
    result = _run(book.store, "vintage", "2026-06", products)
    rows = _section(result, "放款月份 × 账龄").rows
    with book.store.transaction() as tx:
        cohorts: dict[str, Decimal] = defaultdict(Decimal)
        for loan in tx.repo(Loan).list():
            assert loan.start is not None
            cohorts[loan.start.strftime("%Y-%m")] += loan.amount
    for row in rows:
        assert row.values["disbursed"] == cohorts[row.keys[0]]
    jan = {r.keys[1]: r.values["bad_rate"] for r in rows if r.keys[0] == "2026-01"}
    assert jan[0] == D(0)
    assert jan[5] == (D("30000") / cohorts["2026-01"]).quantize(D("0.0001"), rounding=ROUND_HALF_UP)


def test_english_labels(book: Book, products: dict[str, Any]) -> None:
    result = _run(book.store, "regulatory-loans", "2026-06", products, lang="en")
    assert result.label("balance") == "balance (yuan)"
    classes = [r.labels[0] for r in _section(result, "按五级分类").rows]
    assert classes == ["normal", "substandard"]


def _field_report(source: str, field: str, kind: str) -> Any:
    from loanfactory.reporting import read_definition

    measure = (
        "{count: rows}" if kind == "text" else f"{{sum: {field}}}" if kind != "date" else f"{{max: {field}}}"
    )
    by = f"[{field}]" if kind == "text" else "[]"
    text = (
        f"report: f\ntitle: f\nsource: {source}\nmeasures:\n  m: {measure}\n  n: {{count: rows}}\n"
        f"sections:\n  - {{by: {by}}}\n"
    )
    definition, problems = read_definition(text)
    assert definition is not None, problems
    return definition


def _every_field() -> list[tuple[str, str, str]]:
    from loanfactory.reporting import SOURCES

    return [(s.name, f.name, f.type.value) for s in SOURCES.values() for f in s.fields.values()]


@pytest.mark.parametrize(("source", "field", "kind"), _every_field())
def test_every_field_means_the_same_on_sqlite(
    book: Book, sqlite_book: SqlStore, products: dict[str, Any], source: str, field: str, kind: str
) -> None:
    definition = _field_report(source, field, kind)
    memory = run_report(book.store, definition, "2026-01-01..2026-06-30", today=TODAY, products=products)
    sqlite = run_report(sqlite_book, definition, "2026-01-01..2026-06-30", today=TODAY, products=products)
    assert _figures(sqlite) == _figures(memory)
    assert memory.sections[0].rows


@pytest.mark.postgres
@pytest.mark.parametrize(("source", "field", "kind"), _every_field())
def test_every_field_means_the_same_on_postgresql(
    book: Book, pg_book: SqlStore, products: dict[str, Any], source: str, field: str, kind: str
) -> None:
    definition = _field_report(source, field, kind)
    memory = run_report(book.store, definition, "2026-01-01..2026-06-30", today=TODAY, products=products)
    postgresql = run_report(pg_book, definition, "2026-01-01..2026-06-30", today=TODAY, products=products)
    assert _figures(postgresql) == _figures(memory)

"""The profit report (利润报表) read from the general ledger: on a book with daily accrual, penalties,
fees, a loan stopped accruing, written off and partly recovered, its figures equal the journal lines
summed here by hand — income less expense per product and period, the cost of funds from the loan
accounts' daily balances — on the memory store, SQLite and PostgreSQL; hostile definitions and
runs get located errors."""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accounting"))
from books_world import World, sql_store

from loanfactory.accounting import AccountType, load_chart
from loanfactory.cli import cli
from loanfactory.errors import InvalidInput
from loanfactory.reporting import ReportResult, read_definition, report_library, run_report, to_csv, to_xlsx

D = Decimal
CENT = D("0.01")
FTP = D("0.025")  # the shipped definition's rate, ACT/365F
END = date(2026, 5, 9)
CHART = load_chart()
LOAN_ACCOUNTS = {a.code for a in CHART if a.parent == "1301"}


def fen(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def seeded(world: World) -> World:
    """A consumer loan never paid (penalties, non-accrual past 90 days, written off, 500 recovered)
    and a salary loan paid on time (monthly account-management fee), from 2026-01-05 to 05-09."""
    world.starve()
    defaulted = world.open()
    world.open(
        "salary_loan",
        amount=D("50000"),
        annual_rate=D("0.0345"),
        account="6222020200445566",
        account_name="李四",
    )
    world.feed("6222020200445566")
    world.advance(100)
    world.servicing.write_off(defaulted, key="wo", reason="uncollectable", on=world.clock.today())
    world.advance(5)
    world.feed()
    world.pay(defaulted, D("500"), key="recovered")
    world.advance((END - world.clock.today()).days + 1)
    assert world.closed == END
    return world


def _world(store: object = None) -> World:
    products = ("consumer_credit", "salary_loan")
    return seeded(World(products=products) if store is None else World(products=products, store=store))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def memory_world() -> World:
    return _world()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, memory_world: World, tmp_path: Path) -> Iterator[World]:
    if request.param == "memory":
        yield memory_world
        return
    if request.param == "sqlite":
        store = sql_store(f"sqlite:///{tmp_path / 'profit.db'}")
        yield _world(store)
        store.dispose()
        return
    import psycopg

    server: str = request.getfixturevalue("pg_server")
    name = f"lf_profit_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    store = sql_store(
        make_url(server).set(drivername="postgresql+psycopg", database=name).render_as_string(False)
    )
    yield _world(store)
    store.dispose()
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(world: World, period: str, grain: str | None = None) -> ReportResult:
    return run_report(
        world.store,
        report_library()["profit"],
        period,
        today=END + timedelta(days=1),
        products=world.products,
        grain=grain,
    )


class ByHand:
    """The journal lines of the books, summed here (not through the report's source)."""

    def __init__(self, world: World) -> None:
        self.lines = [(j.accounting_date, line) for j in world.journals() for line in j.lines]

    def net_credit(self, start: date, end: date, kind: AccountType, product: str | None = None) -> Decimal:
        return sum(
            (
                -line.signed
                for day, line in self.lines
                if start <= day <= end
                and CHART.account(line.account).type is kind
                and product in (None, line.product)
            ),
            D(0),
        )

    def on(self, account: str, start: date, end: date, product: str | None = None) -> Decimal:
        return sum(
            (
                -line.signed
                for day, line in self.lines
                if start <= day <= end and line.account == account and product in (None, line.product)
            ),
            D(0),
        )

    def cost_of_funds(self, start: date, end: date, product: str | None = None) -> Decimal:
        """FTP × the loan accounts' closing balance of each day, ÷ 365 (ACT/365F)."""
        moves: dict[date, Decimal] = {}
        for day, line in self.lines:
            if line.account in LOAN_ACCOUNTS and product in (None, line.product):
                moves[day] = moves.get(day, D(0)) + line.signed
        balance = sum((v for d, v in moves.items() if d < start), D(0))
        total = D(0)
        day = start
        while day <= end:
            balance += moves.get(day, D(0))
            total += balance * FTP / 365
            day += timedelta(days=1)
        return total


def test_profit_equals_gl_income_less_expense(world: World) -> None:
    hand = ByHand(world)
    start = date(2026, 1, 1)
    result = report(world, f"{start}..{END}")
    by_product = result.sections[0]
    assert {r.keys[0] for r in by_product.rows} == {"consumer_credit", "salary_loan"}
    for row in (*by_product.rows, by_product.total):
        assert row is not None
        code = row.keys[0] if row.keys else None
        v = row.values
        assert v["interest_income"] == fen(hand.on("601101", start, END, code))
        assert v["penalty_income"] == fen(hand.on("601102", start, END, code))
        assert v["fee_income"] == fen(hand.on("602101", start, END, code))
        income = hand.net_credit(start, END, AccountType.income, code)
        expense = -hand.net_credit(start, END, AccountType.expense, code)
        assert v["income"] == fen(income)
        assert v["provisions"] == fen(expense)
        # the report's profit before the cost of funds is the ledger's income less expense
        assert v["net_profit"] + v["cost_of_funds"] == fen(income) - fen(expense)
        assert v["cost_of_funds"] == fen(hand.cost_of_funds(start, END, code))
        assert v["net_profit"] == fen(income) - fen(expense) - fen(hand.cost_of_funds(start, END, code))
        assert v["written_off"] == fen(
            -sum(
                (
                    -ln.signed
                    for _, ln in hand.lines
                    if ln.account == "7201" and ln.side.value == "debit" and code in (None, ln.product)
                ),
                D(0),
            )
        )
    consumer, salary = by_product.rows
    # the book has each kind of income, a provision charge, a write-off and a recovery
    assert consumer.values["penalty_income"] > 0
    assert salary.values["fee_income"] > 0
    assert consumer.values["written_off"] > 0
    assert consumer.values["recovered"] == D("500.00")
    # the whole window's cost of the salary loan, by hand: 50,000 less what it repaid, day by day
    assert salary.values["cost_of_funds"] > fen(D("40000") * FTP * 120 / 365)


@pytest.mark.parametrize(
    ("period", "grain", "labels"),
    [
        ("2026-01-01..2026-05-09", "month", ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]),
        ("2026-Q2", "quarter", ["2026-Q1", "2026-Q2"]),
        ("2026", "year", ["2026"]),
    ],
)
def test_profit_by_period(world: World, period: str, grain: str, labels: list[str]) -> None:
    hand = ByHand(world)
    result = report(world, period, grain)
    trend = result.sections[1]
    assert [r.keys[0] for r in trend.rows] == labels
    for row in trend.rows:
        first = date.fromisoformat(_start(row.keys[0]))
        last = min(_end(row.keys[0]), END)  # today (END + 1) is not closed yet
        income = hand.net_credit(first, last, AccountType.income)
        expense = -hand.net_credit(first, last, AccountType.expense)
        assert row.values["income"] == fen(income)
        assert row.values["provisions"] == fen(expense)
        assert row.values["cost_of_funds"] == fen(hand.cost_of_funds(first, last))
        assert row.values["net_profit"] == fen(income) - fen(expense) - fen(hand.cost_of_funds(first, last))


def _start(label: str) -> str:
    if "-Q" in label:
        year, quarter = label.split("-Q")
        return f"{year}-{int(quarter) * 3 - 2:02d}-01"
    return f"{label}-01" if len(label) == 7 else f"{label}-01-01"


def _end(label: str) -> date:
    first = date.fromisoformat(_start(label))
    months = 3 if "-Q" in label else 1 if len(label) == 7 else 12
    month = first.month - 1 + months
    return date(first.year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def test_profit_exports(memory_world: World) -> None:
    result = report(memory_world, "2026-01-01..2026-05-09")
    text = to_csv(result)
    assert "净利润（元）" in text
    assert "资金成本（FTP，元）" in text
    total = result.sections[0].total
    assert total is not None
    assert f"{total.values['net_profit']}" in text
    assert to_xlsx(result)[:2] == b"PK"


def test_an_unknown_grain_is_refused(memory_world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        report(memory_world, "2026-Q1", "fortnight")
    assert caught.value.field == "grain"
    assert "fortnight" in str(caught.value)


BASE = """report: my-profit
family: profit
title: {zh: 利润}
source: gl
period: {grain: GRAIN, span: 3}
measures:
  income: {sum: credit_net, where: {account: ["601101"]}}
  cost: {ftp: debit_net, where: {account: ["130101"]}, rate: RATE, day_count: DAYS}
  net: {difference: [income, cost]}
sections:
  - {by: [period], chart: line}
"""


@pytest.mark.parametrize(
    ("rate", "days", "grain", "code", "line"),
    [
        ("2.5", "ACT/365F", "month", "bad-rate", 8),  # a bare number is not a percentage
        ('"two percent"', "ACT/365F", "month", "bad-rate", 8),
        ('"2.5%"', "30/360", "month", "bad-day-count", 8),
        ('"2.5%"', "ACT/365F", "fortnight", "unknown-grain", 5),
    ],
)
def test_hostile_profit_definitions_get_located_errors(
    rate: str, days: str, grain: str, code: str, line: int
) -> None:
    text = BASE.replace("RATE", rate).replace("DAYS", days).replace("GRAIN", grain)
    definition, problems = read_definition(text)
    assert definition is None
    errors = [p for p in problems if p.severity == "error"]
    assert [p.code for p in errors] == [code]
    assert errors[0].line == line
    assert errors[0].message_zh


def test_a_cost_of_funds_without_rate_or_on_a_count_is_refused() -> None:
    text = BASE.replace(", rate: RATE", "").replace("DAYS", "ACT/360").replace("GRAIN", "month")
    _, problems = read_definition(text)
    assert [p.code for p in problems] == ["missing-key"]
    text = BASE.replace("RATE", '"2.5%"').replace("DAYS", "ACT/360").replace("GRAIN", "month")
    _, problems = read_definition(text.replace("ftp: debit_net", "ftp: account"))
    assert [p.code for p in problems if p.severity == "error"] == ["wrong-field-type"]
    _, problems = read_definition(
        text.replace('ftp: debit_net, where: {account: ["130101"]}', "ftp: days_past_due, source: positions")
    )
    assert [p.code for p in problems if p.severity == "error"] == ["bad-field"]
    _, problems = read_definition(text.replace("{difference: [income, cost]}", "{difference: [income]}"))
    assert [p.code for p in problems if p.severity == "error"] == ["bad-measure"]


def test_the_docs_profit_example_runs(memory_world: World) -> None:
    """docs/reports-zh.md: a bank's own profit report at FTP 2.2 % ACT/360, by product and quarter."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "reports-zh.md").read_text(encoding="utf-8")
    [text] = [b for b in re.findall(r"```yaml\n(.*?)```", page, re.S) if "source: gl" in b]
    definition, problems = read_definition(text, file="profit-ftp-22.yaml")
    assert problems == []
    assert definition is not None
    result = run_report(memory_world.store, definition, "2026-Q1", today=END, products=memory_world.products)
    hand = ByHand(memory_world)
    first, last = date(2026, 1, 1), date(2026, 3, 31)
    moves: dict[date, Decimal] = {}
    for day, line in hand.lines:
        if line.account in LOAN_ACCOUNTS:
            moves[day] = moves.get(day, D(0)) + line.signed
    balance_days = D(0)
    balance = D(0)
    for n in range((last - first).days + 1):
        balance += moves.get(first + timedelta(days=n), D(0))
        balance_days += balance
    cost = fen(balance_days * D("0.022") / 360)
    income = fen(hand.net_credit(first, last, AccountType.income))
    expense = fen(-hand.net_credit(first, last, AccountType.expense))
    total = result.sections[0].total
    assert total is not None
    assert total.values["cost_of_funds"] == cost
    assert total.values["net_profit"] == income - cost - expense
    assert [r.keys[0] for r in result.sections[1].rows] == ["2026-Q1"]


def test_the_cli_refuses_a_profit_definition_whose_ftp_rate_is_not_a_percentage(
    sqlite_book: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "my-profit.yaml").write_text(
        BASE.replace("RATE", "2.5").replace("DAYS", "ACT/365F").replace("GRAIN", "month"), encoding="utf-8"
    )
    args = ["report", "run", "my-profit", "--period", "2026-06", "--db", str(sqlite_book.url)]
    done = CliRunner().invoke(cli, [*args, "--definitions", str(folder)])
    assert done.exit_code != 0
    assert "my-profit.yaml:8:" in done.output
    assert "bad-rate" in done.output
    assert "Traceback" not in done.output

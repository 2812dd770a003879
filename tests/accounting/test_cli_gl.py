"""``loanfactory gl`` on a SQLite database with a small book, and ``loanfactory eod`` keeping the
books: the outputs people and GL interfaces read, exit codes, and located errors for bad files."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from books_world import ROOT, World, sql_store
from click.testing import CliRunner

from loanfactory.cli import cli
from loanfactory.testing import FixedClock

D = Decimal


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database with two loans lived through 2020-01-06 .. 2020-04-30."""
    path = tmp_path_factory.mktemp("gl") / "book.db"
    url = f"sqlite:///{path}"
    clock = FixedClock(date(2020, 1, 6))
    store = sql_store(url, clock=clock)
    world = World(store=store, clock=clock)
    world.feed()
    world.open()
    world.gateway.fund("6222000000000009", D(0))
    world.open(customer_id="c-2", account="6222000000000009", amount=D("20000"))
    world.advance(116)
    store.dispose()
    return url


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_trial_balance_in_three_formats(book: str) -> None:
    code, out, _ = run(
        "gl", "trial-balance", "--db", book, "--from", "2020-01-01", "--to", "2020-04-30", "--format", "json"
    )
    assert code == 0
    tb = json.loads(out)
    assert tb["balanced"] is True
    accounts = {a["account"]: a for a in tb["accounts"]}
    assert accounts["130101"]["name"] == "贷款—正常类"
    assert tb["totals"]["balance_sheet"]["debit"] == tb["totals"]["balance_sheet"]["credit"]
    code, out, _ = run(
        "gl", "trial-balance", "--db", book, "--from", "2020-01-01", "--to", "2020-04-30", "--format", "csv"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["account"]: r["closing"] for r in rows} == {a: v["closing"] for a, v in accounts.items()}
    code, out, _ = run(
        "--lang", "zh", "gl", "trial-balance", "--db", book, "--from", "2020-02-01", "--to", "2020-02-29"
    )
    assert code == 0
    assert "科目余额表 2020-02-01 – 2020-02-29" in out
    assert "试算平衡" in out


def test_the_csv_exports_add_up(book: str) -> None:
    code, out, err = run("gl", "export", "--db", book, "--from", "2020-03-01", "--to", "2020-03-31")
    assert code == 0
    assert "exported" in err
    detail = list(csv.DictReader(io.StringIO(out)))
    assert detail[0].keys() >= {
        "accounting_date",
        "journal_id",
        "account",
        "side",
        "amount",
        "currency",
        "loan_id",
    }
    code, out, _ = run(
        "gl", "export", "--db", book, "--from", "2020-03-01", "--to", "2020-03-31", "--level", "summary"
    )
    summary = list(csv.DictReader(io.StringIO(out)))
    for side in ("debit", "credit"):
        lines = sum((D(r["amount"]) for r in detail if r["side"] == side), D(0))
        assert lines == sum((D(r[side]) for r in summary), D(0))
    assert sum(D(r["debit"]) for r in summary) == sum(D(r["credit"]) for r in summary)


def test_export_to_a_file(book: str, tmp_path: Path) -> None:
    target = tmp_path / "gl.csv"
    code, _, _ = run(
        "gl", "export", "--db", book, "--from", "2020-01-06", "--to", "2020-01-06", "--out", str(target)
    )
    assert code == 0
    text = target.read_text(encoding="utf-8")
    assert text.startswith("accounting_date,journal_id")
    assert ",disbursement," in text


def test_an_account_ledger_runs_its_balance(book: str) -> None:
    code, out, _ = run(
        "gl",
        "ledger",
        "--db",
        book,
        "--account",
        "113201",
        "--from",
        "2020-02-01",
        "--to",
        "2020-02-10",
        "--format",
        "json",
    )
    assert code == 0
    ledger = json.loads(out)
    balance = D(ledger["opening"])
    for line in ledger["lines"]:
        balance += D(line["amount"]) if line["side"] == "debit" else -D(line["amount"])
        assert D(line["balance"]) == balance


def test_reconcile_after_the_last_close(book: str) -> None:
    code, out, _ = run("gl", "reconcile", "--db", book)
    assert code == 0, out
    assert "reconcile" in out
    code, _, err = run("gl", "reconcile", "--db", book, "--date", "2020-03-01")
    assert code == 2
    assert "last closed date only" in err


def test_the_end_of_day_command_closes_the_books(book: str, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    copy.write_bytes(Path(book.removeprefix("sqlite:///")).read_bytes())
    url = f"sqlite:///{copy}"
    code, out, _ = run(
        "eod", "--db", url, "--products", str(ROOT / "products"), "--date", "2020-05-01", "--format", "json"
    )
    assert code == 0, out
    assert json.loads(out)["steps"]["gl"]["records"] > 0
    code, out, _ = run("gl", "reconcile", "--db", url)
    assert code == 0
    assert "2020-05-01" in out


def test_usage_errors(book: str) -> None:
    assert run("gl", "trial-balance", "--db", book, "--from", "2020-13-01", "--to", "2020-01-31")[0] == 2
    code, _, err = run("gl", "trial-balance", "--db", book, "--from", "2020-02-01", "--to", "2020-01-31")
    assert code == 2
    assert "after" in err
    code, _, err = run(
        "gl", "ledger", "--db", book, "--account", "13O101", "--from", "2020-01-01", "--to", "2020-01-31"
    )
    assert code == 2
    assert "did you mean '130101'" in err


def test_check_lists_located_errors(tmp_path: Path) -> None:
    assert run("gl", "check")[0] == 0
    rules = (ROOT / "src/loanfactory/data/accounting/posting_rules.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "rules.yaml"
    broken.write_text(rules.replace('  clearing: "300301"', '  clearing: "601101"', 1), encoding="utf-8")
    code, out, _ = run("gl", "check", "--posting-rules", str(broken))
    assert code == 1
    assert f"{broken}:" in out
    assert "wrong-account-type" in out
    code, out, _ = run("--lang", "zh", "gl", "check", "--posting-rules", str(broken), "--format", "json")
    assert code == 1
    assert "清算资金往来" in out
    code, _, err = run(
        "eod", "--date", "2020-05-01", "--posting-rules", str(broken), "--db", "sqlite:///:memory:"
    )
    assert code == 2
    assert "wrong-account-type" in err


def test_check_warns_of_rules_for_unknown_products(tmp_path: Path) -> None:
    rules = (ROOT / "src/loanfactory/data/accounting/posting_rules.yaml").read_text(encoding="utf-8")
    extra = tmp_path / "rules.yaml"
    extra.write_text(
        rules + '\nproducts:\n  consumer_credti:\n    roles: {income.fee: "602101"}\n', encoding="utf-8"
    )
    code, out, _ = run("gl", "check", "--posting-rules", str(extra), "--products", str(ROOT / "products"))
    assert code == 0
    assert "unknown-product" in out
    assert "did you mean 'consumer_credit'" in out

"""Reports over HTTP (``GET /v1/reports/{name}`` JSON, ``.html``, ``.csv``, ``.xlsx``) and from the
command line (``loanfactory report run/html/snapshot``), on the seeded book in SQLite: the same
figures as the Python API."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from loanfactory.adapters.sql import SqlStore
from loanfactory.archive import ArchiveRecord
from loanfactory.cli import cli
from loanfactory.entity import CST
from loanfactory.reporting import report_library, run_report, to_json
from loanfactory.testing import FixedClock

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "http"))
from http_live import Live, live_server

pytestmark = pytest.mark.xdist_group("report-book")


@pytest.fixture(scope="module")
def live(sqlite_book: SqlStore) -> Iterator[Live]:
    running = live_server(None, store=sqlite_book, clock=FixedClock(datetime(2026, 7, 1, 9, tzinfo=CST)))
    yield running
    running.server.stop.set()


def test_json_is_the_python_reports(live: Live, sqlite_book: SqlStore, products: dict[str, Any]) -> None:
    got = live.ok(live.client.get("/v1/reports/risk?period=2026-06", headers=live.as_("risk")))
    expected = run_report(
        sqlite_book, report_library()["risk"], "2026-06", today=date(2026, 7, 1), products=products
    )
    assert got == json.loads(json.dumps(to_json(expected)))
    assert got["end"] == "2026-06-30"
    english = live.ok(live.client.get("/v1/reports/risk?period=2026-06&lang=en", headers=live.as_("auditor")))
    assert english["title"] == "Risk"


def test_files(live: Live) -> None:
    page = live.client.get("/v1/reports/regulatory-loans.html?period=2026-06", headers=live.as_("pm"))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.text.count("<svg") >= 5
    text = live.client.get("/v1/reports/regulatory-loans.csv?period=2026-06", headers=live.as_("risk"))
    assert text.status_code == 200
    assert text.headers["content-disposition"] == 'attachment; filename="regulatory-loans.csv"'
    assert text.content.startswith("\ufeff".encode())
    assert "贷款分类统计表" in text.content.decode("utf-8-sig")
    book = live.client.get("/v1/reports/regulatory-loans.xlsx?period=2026-06", headers=live.as_("risk"))
    assert book.status_code == 200
    assert load_workbook(io.BytesIO(book.content)).sheetnames[1] == "按贷款类型"


@pytest.mark.parametrize(
    ("query", "status", "field", "words"),
    [
        ("risk?period=2026-13", 422, "period", "not a period"),
        ("risk?perod=2026-06", 422, "perod", "did you mean 'period'"),
        ("risk?period=2026-09", 422, "period", "after today"),
        ("risk?lang=fr", 422, "lang", "zh or en"),
        ("user-growth?grain=fortnight", 422, "grain", "unknown period grain"),
        ("profit?period=2026-06&grain=fortnight", 422, "grain", "unknown period grain"),
        ("loan-flows.csv?period=2026-06&grain=week", 422, "grain", "no period dimension"),
        ("rsik?period=2026-06", 404, "name", "did you mean 'risk'"),
        ("rsik.html?period=2026-06", 404, "name", "did you mean 'risk'"),
    ],
)
def test_bad_requests_are_problems(live: Live, query: str, status: int, field: str, words: str) -> None:
    response = live.client.get(f"/v1/reports/{query}", headers=live.as_("risk"))
    assert response.status_code == status, response.text
    problem = response.json()
    assert words in problem["detail"]
    assert problem["errors"][0]["loc"] == [field]


def test_user_growth_by_week_over_http(live: Live, sqlite_book: SqlStore, products: dict[str, Any]) -> None:
    got = live.ok(
        live.client.get("/v1/reports/user-growth?period=2026-03&grain=week", headers=live.as_("pm"))
    )
    expected = run_report(
        sqlite_book,
        report_library()["user-growth"],
        "2026-03",
        today=date(2026, 7, 1),
        products=products,
        grain="week",
    )
    assert got == json.loads(json.dumps(to_json(expected)))
    assert got["sections"][0]["rows"][-1]["keys"] == ["2026-03-30"]  # the Monday of the week of 31 March


def test_a_customer_may_not_read_reports(live: Live) -> None:
    assert live.client.get("/v1/reports/risk.html", headers=live.as_("nobody")).status_code == 401


def test_cli_runs_exports_and_draws(sqlite_book: SqlStore, tmp_path: Path) -> None:
    db = str(sqlite_book.url)
    runner = CliRunner()
    products = str(Path(__file__).resolve().parents[2] / "products")
    done = runner.invoke(
        cli,
        [
            "report",
            "run",
            "loan-flows",
            "--period",
            "2026-05",
            "--db",
            db,
            "--format",
            "json",
            "--products",
            products,
            "--blobs",
            str(tmp_path / "archive"),
        ],
    )
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["report"] == "loan-flows"
    assert Decimal(data["sections"][0]["rows"][0]["values"]["balance"]) > 0
    out = tmp_path / "returns.xlsx"
    done = runner.invoke(
        cli,
        [
            "--lang",
            "zh",
            "report",
            "run",
            "regulatory-loans",
            "--period",
            "2026-06",
            "--db",
            db,
            "--format",
            "xlsx",
            "--out",
            str(out),
            "--blobs",
            str(tmp_path / "archive"),
        ],
    )
    assert done.exit_code == 0, done.output
    assert load_workbook(out).sheetnames[0] == "说明"
    with sqlite_book.transaction() as tx:
        kept = [r for r in tx.repo(ArchiveRecord).list() if r.stored_by == "cli"]
    returns = sorted(r.subject for r in kept if r.category == "regulatory-return")
    assert returns == [
        "loan-flows:2026-05:en",
        "regulatory-loans:2026-06:zh",
    ]  # both of the regulatory family
    assert any((tmp_path / "archive").rglob("*"))  # the figures' file is in the archive's blob store
    page = tmp_path / "report.html"
    images = tmp_path / "images"
    done = runner.invoke(
        cli,
        [
            "--lang",
            "zh",
            "report",
            "html",
            "--period",
            "2026-06",
            "--db",
            db,
            "--out",
            str(page),
            "--images",
            str(images),
            "--blobs",
            str(tmp_path / "archive"),
        ],
    )
    assert done.exit_code == 0, done.output
    assert "用户增长" in page.read_text(encoding="utf-8")
    assert {p.suffix for p in images.iterdir()} == {".png", ".svg"}
    done = runner.invoke(
        cli,
        [
            "report",
            "run",
            "user-growth",
            "--period",
            "2026-02",
            "--grain",
            "week",
            "--db",
            db,
            "--format",
            "csv",
            "--blobs",
            str(tmp_path / "archive"),
        ],
    )
    assert done.exit_code == 0, done.output
    assert "2026-02-23" in done.stdout  # the week of Monday 23 February is a row of its own
    done = runner.invoke(cli, ["report", "snapshot", "--date", "2026-05-31", "--db", db])
    assert done.exit_code == 0, done.output
    assert "already stored" in done.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", "rsik", "--period", "2026-06"], "did you mean 'risk'"),
        (["run", "risk", "--period", "2026-14"], "not a period"),
        (["run", "risk", "--period", "2026-06", "--format", "xlsx"], "--out"),
        (["html", "--period", "2026-06", "--out", "x.html", "nope"], "no report 'nope'"),
        (["snapshot", "--date", "2026-31-01"], "YYYY-MM-DD"),
        (["run", "user-growth", "--period", "2026-06", "--grain", "hour"], "--grain: unknown period grain"),
        (["run", "profit", "--period", "2026-06", "--grain", "fortnight"], "--grain: unknown period grain"),
        (["run", "risk", "--period", "2026-06", "--definitions", "/no/such/folder"], "no such file"),
    ],
)
def test_cli_usage_errors(sqlite_book: SqlStore, args: list[str], words: str) -> None:
    done = CliRunner().invoke(cli, ["report", *args, "--db", str(sqlite_book.url)])
    assert done.exit_code == 2, done.output
    assert words in done.output

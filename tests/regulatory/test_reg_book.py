"""A book over time: the portfolio simulation's 24 monthly files reconcile with the ledger, the
reconciliation notices a file that disagrees with it, and the CLI writes a month from a database."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from reg_world import RegWorld

from loanfactory.regulatory import MonthReport, reconcile_files

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_twenty_four_months_of_a_simulated_book_reconcile_with_the_ledger() -> None:
    sys.path.insert(0, str(ROOT / "examples"))
    import portfolio_simulation

    reports: list[MonthReport] = []
    text = portfolio_simulation.simulate(40, 24, 2026, "per-loan", "en", monthly=reports)
    assert len(reports) == 24
    assert [r.month for r in reports] == [f"{2026 + (m // 12)}-{m % 12 + 1:02d}" for m in range(24)]
    for report in reports:
        summary = report.summary
        assert summary["equal"], (summary["month"], summary["mismatches"][:3])
        assert len(report.files) >= 1
        assert summary["mismatches"] == []
        balance = summary["balance"]
        assert Decimal(balance["ledger"]) == Decimal(balance["reported"]) + Decimal(balance["held"])
        assert abs(Decimal(balance["in_file"]) - Decimal(balance["reported"])) <= Decimal("0.5") * max(
            1, summary["accounts"]["reported_at_month_end"]
        )
    assert "credit reporting 2027-12" in text
    assert reports[-1].summary["accounts"]["held"] == {}  # every notice went out; nothing left waiting


def test_the_reconciliation_notices_a_file_that_disagrees_with_the_ledger(world: RegWorld) -> None:
    world.gateway.fund("6222020200112233", Decimal(10**9))
    world.loan()
    world.live_until(date(2026, 2, 1))
    report = world.month("2026-01")
    assert report.summary["equal"]
    original = next(f for f in report.files if f.record_type == "210")
    forged = replace(
        original, content=original.content.replace(b"<AcctBal>10000</AcctBal>", b"<AcctBal>9000</AcctBal>")
    )
    run = world.reporting
    # recompute the summary of the forged bytes against the same ledger figures
    from loanfactory.regulatory import LedgerFigure

    loan = "loan_000001"
    figure = LedgerFigure(Decimal(10000), Decimal(0))
    account = run.account_code(loan)
    summary = reconcile_files(
        "2026-01",
        date(2026, 1, 31),
        [forged],
        ledger_at={(loan, date(2026, 1, 5)): figure, (loan, date(2026, 1, 31)): figure},
        accounts={account: loan},
        month_end_ledger={loan: figure},
        held={},
        places={"210": 0},
        in_scope=1,
    )
    assert not summary["equal"]
    assert any("balance 9000" in m for m in summary["mismatches"])


def test_the_command_line_writes_a_month_from_a_database(tmp_path: Path) -> None:
    from loanfactory.adapters.sql import SqlStore
    from loanfactory.cli import cli

    db = f"sqlite:///{tmp_path / 'book.db'}"
    world = RegWorld(store=None)
    world = RegWorld(store=SqlStore(db, clock=world.clock, cipher=None))
    world.gateway.fund("6222020200112233", Decimal(10**9))
    world.loan()
    world.live_until(date(2026, 2, 1))
    settings = tmp_path / "bank.yaml"
    settings.write_text(
        'provider_code: "B1234567890123"\nmanagement_code: "B1234567890001"\n', encoding="utf-8"
    )
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "report",
            "credit-bureau",
            "--month",
            "2026-01",
            "--db",
            db,
            "--out",
            str(tmp_path / "out"),
            "--config",
            str(settings),
            "--products",
            str(ROOT / "products"),
            "--blobs",
            str(tmp_path / "blobs"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["month"] == "2026-01"
    assert summary["equal"]
    bad = runner.invoke(
        cli,
        [
            "report",
            "credit-bureau",
            "--month",
            "2026-1",
            "--db",
            db,
            "--out",
            str(tmp_path),
            "--config",
            str(settings),
            "--products",
            str(ROOT / "products"),
        ],
    )
    assert bad.exit_code == 2
    example = runner.invoke(
        cli,
        [
            "report",
            "credit-bureau",
            "--month",
            "2026-02",
            "--db",
            db,
            "--out",
            str(tmp_path),
            "--products",
            str(ROOT / "products"),
            "--blobs",
            str(tmp_path / "blobs"),
        ],
    )
    assert example.exit_code == 1  # the shipped example codes are refused
    broken = tmp_path / "broken.yaml"
    broken.write_text('provider_code: "short"\nrepay_mode: {annuity: "77"}\n', encoding="utf-8")
    refused = runner.invoke(
        cli,
        [
            "report",
            "credit-bureau",
            "--month",
            "2026-01",
            "--db",
            db,
            "--out",
            str(tmp_path),
            "--config",
            str(broken),
            "--products",
            str(ROOT / "products"),
        ],
    )
    assert refused.exit_code == 2
    assert "broken.yaml:1" in refused.output
    assert "broken.yaml:2" in refused.output


def test_a_month_reads_the_ledger_in_chunks_not_loan_by_loan(monkeypatch: pytest.MonkeyPatch) -> None:
    """The month's run reads postings set-based: one ledger read per chunk of loans, none per loan."""
    from loanfactory.regulatory import _run
    from loanfactory.testing._memory_logs import MemoryLedger

    world = RegWorld()
    world.gateway.fund("6222020200112233", Decimal(10**9))  # the world's borrowers' account
    loans = [world.loan(name=f"客户{n}") for n in range(5)]
    world.live_until(date(2026, 2, 1))
    reads: list[tuple[str, int]] = []
    entries, entries_of = MemoryLedger.entries, MemoryLedger.entries_of

    def one(self: MemoryLedger, loan_id: str) -> Any:
        reads.append(("one", 1))
        return entries(self, loan_id)

    def many(self: MemoryLedger, loan_ids: Any) -> Any:
        reads.append(("many", len(loan_ids)))
        return entries_of(self, loan_ids)

    monkeypatch.setattr(MemoryLedger, "entries", one)
    monkeypatch.setattr(MemoryLedger, "entries_of", many)
    monkeypatch.setattr(_run, "CHUNK", 2)
    report = world.month("2026-01")
    assert report.summary["equal"]
    assert reads == [("many", 2), ("many", 2), ("many", 1)]  # 5 loans in chunks of 2, no per-loan read
    assert len(loans) == report.summary["accounts"]["in_scope"]

"""The README's demo: the whole lifecycle on the embedded SQLite store, the same every run."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from loanfactory.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_runs_the_lifecycle_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "demo.db"
    monkeypatch.chdir(ROOT)
    args = ["--lang", "en", "demo", "--db", f"sqlite:///{db}", "--months", "3"]
    first = CliRunner().invoke(cli, args)
    again = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    out = first.stdout
    for expected in (
        "consumer_credit",
        "APR (IRR x 12)",
        "rejected: Credit score must be at least 550",
        "After manual review",
        "loans signed and disbursed",
        "days past due",
        "five categories",
    ):
        assert expected in out
    assert db.exists()
    assert again.stdout == first.stdout  # a fresh store and fixed dates: the same figures every run


def test_the_demo_outside_the_project_says_where_to_run_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 2
    assert "root folder" in result.output

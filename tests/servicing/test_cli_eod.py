"""``loanfactory eod`` on a SQLite database: completes, is idempotent, refuses gaps, explains usage errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from loanfactory.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'lf.db'}"
    result = runner.invoke(cli, ["eod", "--db", url, "--products", str(ROOT / "products"), *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_date_runs_once_and_then_answers_from_its_record(tmp_path: Path) -> None:
    code, out, _ = _run(tmp_path, "--date", "2020-01-01", "--format", "json")
    assert code == 0
    first = json.loads(out)
    assert first["status"] == "completed"
    assert first["attempts"] == 1
    code, out, _ = _run(tmp_path, "--date", "2020-01-01", "--format", "json")
    assert code == 0
    assert json.loads(out) == first


def test_a_gap_is_refused_with_exit_1(tmp_path: Path) -> None:
    assert _run(tmp_path, "--date", "2020-01-01")[0] == 0
    code, _, err = _run(tmp_path, "--date", "2020-01-05")
    assert code == 1
    assert "2020-01-02" in err


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert _run(tmp_path, "--date", "31/01/2026")[0] == 2
    runner = CliRunner()
    result = runner.invoke(cli, ["eod", "--date", "2020-01-01", "--products", str(tmp_path / "nowhere")])
    assert result.exit_code == 2

"""``loanfactory eod`` on a SQLite database: completes, is idempotent, refuses gaps, explains usage errors."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from loanfactory.cli import cli

ROOT = Path(__file__).resolve().parents[2]
# the command runs on the wall clock: dates near today pass the calendar guard
TODAY = date.today()
RECENT = (TODAY - timedelta(days=5)).isoformat()


def _run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'lf.db'}"
    result = runner.invoke(cli, ["eod", "--db", url, "--products", str(ROOT / "products"), *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_date_runs_once_and_then_answers_from_its_record(tmp_path: Path) -> None:
    code, out, _ = _run(tmp_path, "--date", RECENT, "--format", "json")
    assert code == 0
    first = json.loads(out)
    assert first["status"] == "completed"
    assert first["attempts"] == 1
    code, out, _ = _run(tmp_path, "--date", RECENT, "--format", "json")
    assert code == 0
    assert json.loads(out) == first


def test_a_gap_is_refused_with_exit_1(tmp_path: Path) -> None:
    assert _run(tmp_path, "--date", RECENT)[0] == 0
    code, _, err = _run(tmp_path, "--date", (TODAY - timedelta(days=1)).isoformat())
    assert code == 1
    assert (TODAY - timedelta(days=4)).isoformat() in err
    assert "--allow-gap" not in err  # a few days: run them


def test_one_run_dated_1970_does_not_pin_the_calendar(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path, "--date", "1970-01-01")
    assert code == 1
    assert "days before today" in err
    assert "--allow-gap" in err
    assert _run(tmp_path, "--date", RECENT)[0] == 0  # nothing was written by the refused run


def test_a_pinned_calendar_says_how_to_get_out_and_allow_gap_does(tmp_path: Path) -> None:
    assert _run(tmp_path, "--date", "1970-01-01", "--allow-gap")[0] == 0  # meant, so it runs
    code, _, err = _run(tmp_path, "--date", RECENT)
    assert code == 1
    assert "1970-01-02" in err
    assert "--allow-gap" in err
    code, out, _ = _run(tmp_path, "--date", RECENT, "--allow-gap", "--format", "json")
    assert code == 0
    assert json.loads(out)["business_date"] == RECENT
    assert _run(tmp_path, "--date", (TODAY - timedelta(days=4)).isoformat())[0] == 0  # in order again


def test_how_far_behind_is_configurable(tmp_path: Path) -> None:
    assert _run(tmp_path, "--date", RECENT, "--max-gap-days", "3")[0] == 1
    assert _run(tmp_path, "--date", RECENT, "--max-gap-days", "10")[0] == 0


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert _run(tmp_path, "--date", "31/01/2026")[0] == 2
    runner = CliRunner()
    result = runner.invoke(cli, ["eod", "--date", "2020-01-01", "--products", str(tmp_path / "nowhere")])
    assert result.exit_code == 2

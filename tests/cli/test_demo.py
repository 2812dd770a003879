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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_demo_speaks_one_language_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    import re

    from loanfactory.testing import sample_book

    monkeypatch.chdir(ROOT)
    other = "en" if lang == "zh" else "zh"  # the global --lang loses to the demo's own
    result = CliRunner().invoke(
        cli,
        ["--lang", other, "demo", "--lang", lang, "--db", f"sqlite:///{tmp_path / 'd.db'}", "--months", "1"],
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    if lang == "en":
        for name in [p["name"] for p in sample_book.PEOPLE] + [f["name"] for f in sample_book.FIRMS]:
            out = out.replace(name, "")  # people's and firms' names are names in any language
        assert re.findall(r"[\u4e00-\u9fff]+", out) == []
    else:
        for word in (
            "approved",
            "rejected",
            "manual-review",
            "annuity",
            "end of day",
            "loans signed",
            "yuan",
        ):
            assert word not in out, word


def test_progress_shows_only_on_a_terminal_and_not_when_quiet() -> None:
    import io

    from loanfactory.cli.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, quiet, shown in (
        (Terminal(), False, True),
        (Terminal(), True, False),
        (io.StringIO(), False, False),
    ):
        with Progress("end of day 2026-01-31", total=3, quiet=quiet, stream=stream) as progress:
            progress.update(2, 3)
            progress.advance()
        assert progress.enabled is shown
        assert bool(stream.getvalue()) is shown

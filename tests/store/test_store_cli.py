"""``loanfactory db``: upgrade, check, current, verify-audit (SQLite; PostgreSQL when available)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import text
from store_support import Databases

from loanfactory.adapters.sql import SqlStore, head, make_engine
from loanfactory.cli import cli
from loanfactory.entity import CST


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["db", *args])
    return result.exit_code, result.stdout, result.stderr


def test_upgrade_check_current_on_a_new_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out, _ = run("current", "--db", url)
    assert code == 0
    assert json.loads(out) == {"current": None, "head": head()}
    code, _, err = run("check", "--db", url)
    assert code == 1
    assert "loanfactory db upgrade" in err
    code, _, err = run("upgrade", "--db", url)
    assert code == 0
    assert f"empty -> {head()}" in err
    code, _, err = run("check", "--db", url)
    assert code == 0
    assert "up to date" in err
    assert json.loads(run("current", "--db", url)[1])["current"] == head()


def test_the_default_url_comes_from_the_environment(tmp_path: Path, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setenv("LOANFACTORY_DB", str(tmp_path / "env.db"))
    assert run("upgrade")[0] == 0
    assert (tmp_path / "env.db").exists()


def test_bad_urls_are_usage_errors() -> None:
    code, _, err = run("current", "--db", "mysql://x/y")
    assert code == 2
    assert "unsupported database" in err
    code, _, err = run("current", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert code == 2
    assert "cannot open the database" in err


def test_verify_audit_reports_a_broken_chain(sql_databases: Databases) -> None:
    url = sql_databases.url()
    store = sql_databases.store(url)
    assert isinstance(store, SqlStore)
    for n in range(3):
        with store.transaction() as tx:
            tx.audit.append(actor="a", action="x", subject=f"s{n}", at=datetime(2024, 1, 1, tzinfo=CST))
    code, out, _ = run("verify-audit", "--db", url)
    assert code == 0
    report = json.loads(out)
    assert report["intact"]
    assert report["head"].startswith("3:")
    assert run("verify-audit", "--db", url, "--anchor", report["head"])[0] == 0
    assert run("verify-audit", "--db", url, "--anchor", "nonsense")[0] == 2
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE sequence = 2"))
    engine.dispose()
    code, out, _ = run("verify-audit", "--db", url)
    assert code == 1
    broken = json.loads(out)
    assert (broken["intact"], broken["sequence"], broken["reason"]) == (
        False,
        2,
        "the record was changed after it was written",
    )
    assert broken["findings"] == []  # no books yet: only the chain is broken

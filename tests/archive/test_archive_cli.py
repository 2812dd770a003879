"""``loanfactory archive`` on a SQLite database and a folder of files: list, export, hold, release,
purge and verify, and the flags it refuses."""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from loanfactory.adapters.blob import FileBlobStore
from loanfactory.adapters.sql import SqlStore
from loanfactory.archive import Archive
from loanfactory.cli import cli
from loanfactory.entity import CST
from loanfactory.testing import FixedClock


@pytest.fixture
def place(tmp_path: Path) -> tuple[str, Path, dict[str, str]]:
    url = f"sqlite:///{tmp_path / 'lf.db'}"
    blobs = tmp_path / "blobs"
    clock = FixedClock(datetime(2024, 3, 1, 9, tzinfo=CST))
    store = SqlStore(url, clock=clock, cipher=None)
    try:
        archive = Archive(store, FileBlobStore(blobs), clock)
        ids = {
            "contract": archive.put(
                category="contract",
                subject="ctr_1",
                content="借款合同".encode(),
                media_type="text/plain",
                customer_id="c1",
                loan_id="L1",
            ).id,
            "decision": archive.put(
                category="decision", subject="app_1", content={"outcome": "approve"}, loan_id="L1"
            ).id,
            "notice": archive.put(
                category="notice", subject="n_2", content={"body": "逾期提醒"}, customer_id="c2", loan_id="L2"
            ).id,
        }
        with store.transaction() as tx:
            archive.close_loan(tx, "L2", date(2020, 1, 31))  # kept until 2025-01-31
    finally:
        store.dispose()
    return url, blobs, ids


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--lang", "en", "archive", *args])


def test_list_export_and_verify(place: tuple[str, Path, dict[str, str]], tmp_path: Path) -> None:
    url, blobs, ids = place
    where = ["--db", url, "--blobs", str(blobs)]
    listed = run("list", *where, "--loan", "L1")
    assert listed.exit_code == 0, listed.output
    lines = [json.loads(line) for line in listed.stdout.splitlines()]
    assert sorted(r["category"] for r in lines) == ["contract", "decision"]
    assert {r["id"] for r in lines} == {ids["contract"], ids["decision"]}
    later = run("list", *where, "--customer", "c1", "--since", "2024-03-02")
    assert later.exit_code == 0
    assert later.stdout == ""
    out = tmp_path / "L1.zip"
    exported = run("export", *where, "--loan", "L1", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    with zipfile.ZipFile(out) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
    assert sorted(f["category"] for f in manifest["files"]) == ["contract", "decision"]
    assert run("export", *where, "--loan", "L9", "--out", str(out)).exit_code == 1
    intact = run("verify", *where)
    assert intact.exit_code == 0
    assert "intact" in intact.stdout
    sha = next(f["sha256"] for f in manifest["files"] if f["category"] == "contract")
    (blobs / sha[:2] / sha[2:4] / sha).write_bytes("改过的合同".encode())
    broken = run("verify", *where)
    assert broken.exit_code == 1
    assert ids["contract"] in broken.output


def test_a_hold_stops_the_purge_until_released(place: tuple[str, Path, dict[str, str]]) -> None:
    url, blobs, ids = place
    where = ["--db", url, "--blobs", str(blobs)]
    held = run("hold", *where, "--customer", "c2", "--reason", "诉讼保全")
    assert held.exit_code == 0, held.output
    hold_id = held.stdout.strip()
    assert run("purge", *where, "--today", "2030-01-01", "--dry-run").stdout == ""
    refused = run("purge", *where, "--today", "2030-01-01", ids["notice"])
    assert refused.exit_code == 1
    assert "legal hold" in refused.output
    assert run("release", *where, hold_id).exit_code == 0
    dry = run("purge", *where, "--today", "2030-01-01", "--dry-run")
    assert dry.stdout.split() == [ids["notice"]]
    open_loan = run("purge", *where, "--today", "2030-01-01", ids["contract"])
    assert open_loan.exit_code == 1  # the loan is open: kept
    done = run("purge", *where, "--today", "2030-01-01")
    assert done.exit_code == 0
    assert done.stdout.strip() == "1 purged"
    assert run("list", *where, "--loan", "L2").stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["list"],  # nothing to look up by
        ["list", "--loan", "L1", "--since", "2024-13-01"],
        ["list", "--loan", "L1", "--since", "2025-01-01", "--until", "2024-01-01"],
        ["list", "--kind", "contracts"],
        ["hold", "--loan", "L1", "--customer", "c1", "--reason", "x"],
        ["hold", "--loan", "L1", "--reason", "  "],
        ["release", "hold_nope"],
        ["purge", "--today", "yesterday"],
    ],
)
def test_bad_flags_are_usage_errors(place: tuple[str, Path, dict[str, str]], args: list[str]) -> None:
    url, blobs, _ = place
    result = run(args[0], "--db", url, "--blobs", str(blobs), *args[1:])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output

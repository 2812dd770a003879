"""docs/accounting.md is true: its examples run and print what it says, its tables are the packaged
chart, roles and posting rules, and the portfolio simulation it cites reconciles every day."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from loanfactory.accounting import load_posting_rules

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "accounting.md"
TEXT = DOC.read_text(encoding="utf-8")


def table(heading: str) -> list[list[str]]:
    """The rows of the first markdown table after ``heading``."""
    section = TEXT[TEXT.index(heading) :]
    rows = []
    for line in section.splitlines():
        if line.startswith("|"):
            rows.append([cell.replace("`", "").strip() for cell in line.strip("|").split("|")])
        elif rows:
            break
    return rows[2:]  # header and rule


def test_the_examples_run_and_print_what_the_guide_says(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", TEXT, flags=re.DOTALL)
    assert len(blocks) == 2
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    paragraphs = [p for p in TEXT.split("\n\n") if p.startswith("prints")]
    quoted = [q for p in paragraphs for q in re.findall(r"`([^`]+)`", p)]
    assert len(quoted) >= 9
    for line in quoted:
        assert line in printed, f"docs/accounting.md says the example prints {line!r}; it printed {printed}"


def test_the_rules_table_is_the_packaged_rules() -> None:
    rules = load_posting_rules()
    expected = [
        [r.event, r.component, r.basis.value if r.basis else "any", r.debit, r.credit] for r in rules.rows
    ]
    assert table("The packaged rules, in full") == expected


def test_the_chart_and_roles_tables_are_the_packaged_ones() -> None:
    rules = load_posting_rules()
    chart = rules.chart
    leaves = {a.code: a for a in chart.leaves()}
    shown = table("| code | 科目名称 |")
    assert [row[0] for row in shown] == sorted(leaves)
    for code, name, _, kind, side in shown:
        assert (leaves[code].name, leaves[code].type.value, leaves[code].side.value) == (name, kind, side)
    roles = table("| role | default | 科目 | meaning |")
    listed = {row[0]: row[1] for row in roles}
    assert listed.pop("loan.normal … loan.loss") == "130101 … 130105"
    for role, code in rules.roles.items():
        if not role.startswith("loan."):
            assert listed[role] == code


def test_the_simulation_reconciles_the_books_every_day() -> None:
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "portfolio_simulation.py"),
            "--loans",
            "60",
            "--months",
            "4",
            "--seed",
            "7",
            "--check-books",
            "--lang",
            "zh",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "试算平衡" in run.stdout
    assert "总分核对：120 天每日核对，全部相符" in run.stdout

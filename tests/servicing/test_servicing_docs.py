"""The examples in docs/servicing.md run as written; docs/servicing-zh.md quotes the real output."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "servicing.md"


def test_the_guide_examples_run_and_print_what_it_says(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) >= 6
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    quoted = re.findall(r"prints `([^`]+)`", text)
    assert len(quoted) >= 6
    for line in quoted:
        assert line in printed, f"docs/servicing.md says a block prints {line!r}; it printed {printed}"


def test_the_chinese_guide_quotes_the_example_output() -> None:
    doc = (ROOT / "docs" / "servicing-zh.md").read_text(encoding="utf-8")
    quoted = re.search(r"```text\n(.*?)```", doc, flags=re.DOTALL)
    assert quoted is not None
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
            "--lang",
            "zh",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
        cwd=ROOT,
    )
    actual = run.stdout.splitlines()
    for line in quoted.group(1).splitlines():
        assert line in actual, f"docs/servicing-zh.md quotes a line the example no longer prints: {line}"
    assert "-> ok" in run.stdout

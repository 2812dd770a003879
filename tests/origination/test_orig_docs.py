"""The examples in docs/origination.md run as written; docs/origination-zh.md quotes the real output."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from orig_samples import ROOT

DOC = ROOT / "docs" / "origination.md"


def test_the_guide_examples_run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) >= 5
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    out = capsys.readouterr().out
    assert "0.04399977 6826.62" in out  # the figures the guide quotes
    assert "amount amount-out-of-range" in out


def test_the_chinese_guide_quotes_the_example_output() -> None:
    doc = (ROOT / "docs" / "origination-zh.md").read_text(encoding="utf-8")
    quoted = re.search(r"```text\n(.*?)```", doc, flags=re.DOTALL)
    assert quoted is not None
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "origination_batch.py")],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        cwd=ROOT,
    )
    actual = run.stdout.splitlines()
    for line in quoted.group(1).splitlines():
        assert line in actual, f"docs/origination-zh.md quotes a line the example no longer prints: {line}"

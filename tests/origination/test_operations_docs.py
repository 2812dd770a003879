"""The campaign example of docs/operations-zh.md runs and prints what the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "operations-zh.md"


def test_the_campaign_example_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = DOC.read_text(encoding="utf-8")
    campaigns = text[text.index("## 营销活动") :]
    blocks = re.findall(r"```python\n(.*?)```", campaigns, flags=re.DOTALL)
    assert blocks
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    for line in re.findall(r"输出 `([^`]+)`", campaigns):
        assert line in printed, f"{DOC.name} says the example prints {line!r}; it printed {printed}"

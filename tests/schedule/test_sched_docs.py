"""The examples of docs/schedule.md and docs/apr-and-caps.md run, in order, per page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs"


@pytest.mark.parametrize("page", ["schedule.md", "apr-and-caps.md"])
def test_examples_run(page: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert blocks, f"{page} has no python example"
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, f"{page}", "exec"), namespace)  # the page's examples share names, in order
    capsys.readouterr()


def test_the_cap_table_names_every_builtin_profile() -> None:
    from loanfactory.compliance import BUILTIN_PROFILES

    text = (DOCS / "apr-and-caps.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in text for name in BUILTIN_PROFILES)

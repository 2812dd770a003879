"""The Python examples of docs/operations-zh.md run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations-zh.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_operations_examples_run(index: int) -> None:
    exec(compile(BLOCKS[index], "docs/operations-zh.md", "exec"), {})


def test_there_are_examples() -> None:
    assert len(BLOCKS) >= 2

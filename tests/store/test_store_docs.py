"""The examples in docs/persistence.md run as written."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "persistence.md"


def test_the_guide_examples_run(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) >= 2
    namespace: dict[str, object] = {"workdir": tmp_path, "Decimal": Decimal}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)


SCALE = Path(__file__).resolve().parents[2] / "docs" / "eod-at-scale.md"


def test_the_end_of_day_at_scale_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", SCALE.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1
    namespace: dict[str, object] = {"products": SCALE.parents[1] / "products"}
    exec(compile(blocks[0], str(SCALE), "exec"), namespace)

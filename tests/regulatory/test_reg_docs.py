"""The runnable examples of docs/regulatory-zh.md and docs/archive.md run as written, and the
validator rules the reporting team's page lists are the validator's."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _run(name: str) -> None:
    doc = DOCS / name
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert blocks, name
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(doc), "exec"), namespace)


def test_the_reporting_page_example_runs() -> None:
    _run("regulatory-zh.md")


def test_the_archive_page_example_runs() -> None:
    _run("archive.md")


def test_every_validator_rule_is_documented_for_the_reporting_team() -> None:
    package = Path(__file__).resolve().parents[2] / "src" / "loanfactory" / "regulatory"
    rules: set[str] = set()
    for module in ("_validate.py", "_consistency.py", "_parties.py"):
        source = (package / module).read_text(encoding="utf-8")
        rules |= set(re.findall(r'(?:self|check)\.add\(\s*"([a-z-]+)"', source))
    page = (DOCS / "regulatory-zh.md").read_text(encoding="utf-8")
    missing = sorted(r for r in rules if f"`{r}`" not in page)
    assert rules
    assert not missing, missing

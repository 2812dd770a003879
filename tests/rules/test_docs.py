"""The examples in the rules docs run."""

from __future__ import annotations

import re

from loanfactory.document import load_document
from loanfactory.rules import load_rule_document, load_scenario_document

from .conftest import ROOT


def test_developer_guide_example_runs() -> None:
    text = (ROOT / "docs" / "rules-engines.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S)
    assert code is not None
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(code.group(1), "rules-engines.md", "exec"), {})
    finally:
        os.chdir(cwd)


def test_author_guide_yaml_blocks_load() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    document, _ = load_document(blocks[0], file="rules.md")
    assert document is not None
    library, problems = load_rule_document(document)
    assert library is not None, problems
    for block in blocks[1:3]:  # a table and a scorecard, written as list items
        document, _ = load_document(
            "kind: rules\nreasons: {NO_GRADE: {en: x}}\ndefinitions:\n" + block, file="rules.md"
        )
        assert document is not None
        library, problems = load_rule_document(document)
        assert library is not None, [p.format() for p in problems]
    document, _ = load_document(blocks[-1], file="rules.md")
    assert document is not None
    scenarios, problems = load_scenario_document(document)
    assert scenarios is not None, problems

"""Helpers for the rules tests: a library of the shipped rule files and a rule-text loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanfactory.document import load_document
from loanfactory.errors import Diagnostic
from loanfactory.rules import RuleLibrary, load_rule_document, load_rule_files

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"


@pytest.fixture(scope="session")
def library() -> RuleLibrary:
    lib, problems = load_rule_files([RULES])
    assert lib is not None, [d.format() for d in problems]
    return lib


def load_text(text: str, tmp_path: Path | None = None) -> tuple[RuleLibrary | None, list[Diagnostic]]:
    """Load rule YAML from text (written to a file when ``tmp_path`` is given, for columns)."""
    if tmp_path is not None:
        path = tmp_path / "rules.yaml"
        path.write_text(text, encoding="utf-8")
        document, problems = load_document(path)
    else:
        document, problems = load_document(text, file="<test>")
    assert document is not None, problems
    return load_rule_document(document)


def errors(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity == "error"]

"""The YAML reader: strict scalars, positions, and every hostile input as a located error."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loanfactory.document import MAX_DEPTH, load_document


def test_scalars_are_strict_and_exact() -> None:
    doc, problems = load_document("a: no\nb: true\nc: 0.049\nd: 2025-07-02\ne: '12'\nf: 12\ng: ~\n")
    assert not problems
    assert doc is not None
    assert doc.data == {
        "a": "no",
        "b": True,
        "c": Decimal("0.049"),
        "d": date(2025, 7, 2),
        "e": "12",
        "f": 12,
        "g": None,
    }


def test_positions_of_values_and_keys() -> None:
    doc, _ = load_document("top:\n  inner: [1, 2]\n")
    assert doc is not None
    at = doc.mark(("top", "inner", 1))
    assert at is not None
    assert (at.line, at.column) == (2, 14)
    key = doc.mark(("top", "inner"), key=True)
    assert key is not None
    assert (key.line, key.column) == (2, 3)
    # a path that goes beyond the data falls back to the nearest enclosing value
    deeper = doc.mark(("top", "inner", 1, "missing"))
    assert deeper is not None
    assert deeper.line == 2


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("a: 1\nb: 2\na: 3\n", "duplicate-key", 3),
        ("a: 1\n b: 2\n", "yaml-syntax", 2),
        ("a: 1\n---\nb: 2\n", "several-documents", 2),
        ("a: !include other.yaml\n", "unsupported-tag", 1),
        ("a: !!python/object/apply:os.system [ls]\n", "unsupported-tag", 1),
        ("a: !!python/name:os.system\n", "unsupported-tag", 1),
        ("? [x]\n: 1\n", "complex-key", 1),
        ("# nothing\n\n", "empty-file", 1),
        ("a: *nowhere\n", "unknown-anchor", 1),
    ],
)
def test_bad_documents_give_located_errors(text: str, code: str, line: int) -> None:
    doc, problems = load_document(text, file="x.yaml")
    assert doc is None or problems
    assert problems[0].code == code
    assert problems[0].file == "x.yaml"
    assert problems[0].line == line


def test_alias_bomb_is_refused_quickly() -> None:
    rows = ["a: &a [x,x,x,x,x,x,x,x,x]"]
    for name, prev in zip("bcdefgh", "abcdefg", strict=True):
        rows.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    doc, problems = load_document("\n".join(rows) + "\n")
    assert doc is None
    assert problems[0].code == "too-many-nodes"


def test_deep_nesting_is_refused() -> None:
    text = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    doc, problems = load_document(text)
    assert doc is None
    assert problems[0].code in {"too-deep", "yaml-syntax"}


def test_merge_keys_merge_with_local_keys_winning() -> None:
    doc, problems = load_document("base: &b {x: 1, y: 1}\nchild:\n  <<: *b\n  y: 2\n")
    assert not problems
    assert doc is not None
    assert doc.data["child"] == {"x": 1, "y": 2}

"""No dead configuration: every key of a product names its reader; a key nothing reads is a warning
where it is written; a retired key says where its setting lives now."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from spec_support import ROOT, dump, load, only, sample_data

from loanfactory.spec import ProductSpec, _reading, _types

SRC = ROOT / "src" / "loanfactory"


def _paths(
    model: Any, prefix: tuple[str, ...] = (), seen: frozenset[Any] = frozenset()
) -> list[tuple[str, ...]]:
    out = []
    for name, info in model.model_fields.items():
        path = (*prefix, info.alias or name)
        out.append(path)
        target = _types.field_type(info)
        inner = [m for m in _types.members(target) if _types.is_model(m)]
        item = _types.item_type(target)
        if item is not None and _types.is_model(item):
            inner.append(item)
        for sub in inner:
            if sub not in seen:
                out += _paths(sub, path, seen | {sub})
    return out


def test_every_key_of_a_product_names_its_reader() -> None:
    unread = [".".join(p) for p in _paths(ProductSpec) if _reading.reader_of(p) is None]
    unread = [
        p for p in unread if not any(k[: len(p.split("."))] == tuple(p.split(".")) for k in _reading.READERS)
    ]
    assert unread == []


@cache
def _names_used(reader: str) -> frozenset[str]:
    """Attribute names and string constants in a reader's modules (``spec``: its methods, not checks)."""
    base = SRC.joinpath(*reader.split("."))
    files = sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
    names: set[str] = set()
    for file in files:
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)
    return frozenset(names)


@pytest.mark.parametrize("path", sorted(_reading.READERS), ids=".".join)
def test_each_declared_reader_really_reads_the_key(path: tuple[str, ...]) -> None:
    readers = _reading.READERS[path]
    key = path[-1]
    python_name = "from_" if key == "from" else key
    assert any({key, python_name} & _names_used(r) for r in readers), f"{readers} never use '{key}'"


def test_the_sample_products_set_nothing_unread() -> None:
    from loanfactory.catalog import load_catalog

    _, diagnostics = load_catalog([ROOT / "products", ROOT / "rules"])
    assert [d.format() for d in diagnostics if d.code == "unread-key"] == []


def test_a_key_nothing_reads_is_a_warning_at_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    readers = {k: v for k, v in _reading.READERS.items() if k != ("prepayment",)}
    monkeypatch.setattr(_reading, "READERS", readers)
    spec, diagnostics = load(dump(sample_data()), file="consumer_credit.yaml")
    assert spec is not None  # a warning: the product still loads
    warning = only(diagnostics, "unread-key")
    assert warning.severity == "warning"
    assert warning.path == "prepayment"
    assert warning.line == sample_data_line("prepayment:")
    assert "nothing in loanfactory reads 'prepayment'" in warning.message
    assert "不读取" in (warning.message_zh or "")


def sample_data_line(text: str) -> int:
    lines = dump(sample_data()).splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(text))


def test_an_unread_key_in_a_template_is_reported_in_the_template(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    readers = {k: v for k, v in _reading.READERS.items() if k != ("overdue", "overdue_rate_alert")}
    monkeypatch.setattr(_reading, "READERS", readers)
    from loanfactory.catalog import load_catalog

    _, diagnostics = load_catalog([ROOT / "products"])
    found = [d for d in diagnostics if d.code == "unread-key"]
    assert found
    assert {Path(d.file or "").name for d in found} >= {"retail_overdue_tiers.yaml", "consumer_credit.yaml"}
    assert all(d.path.endswith("overdue_rate_alert") for d in found)


def test_rules_overdue_is_retired_with_a_pointer_to_the_tiers() -> None:
    data = sample_data()
    data["rules"]["overdue"] = "overdue_tiers"
    spec, diagnostics = load(dump(data), file="x.yaml")
    assert spec is None
    problem = only(diagnostics, "retired-key")
    assert problem.path == "rules.overdue"
    assert "overdue.tiers" in problem.message
    assert "overdue.tiers" in (problem.message_zh or "")
    assert problem.line is not None

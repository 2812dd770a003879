"""The examples in docs/products.md and docs/cli.md are checked, and the docs cover every field.

Fenced blocks are tagged in their info string:

- ```yaml product / ```yaml template / ```yaml fragment — must load without any diagnostic;
- ```text output-of="ARGS" / ```json output-of="ARGS" — the exact stdout of ``loanfactory ARGS``
  run from the repository root.
"""

from __future__ import annotations

import json
import re
import shlex

import pytest
from click.testing import CliRunner
from spec_support import ROOT, sample_library

from loanfactory.cli import cli
from loanfactory.document import load_document
from loanfactory.spec import ProductSpec, _types, load_product_text, section_names

DOCS = ROOT / "docs"
SPEC_SRC = ROOT / "src" / "loanfactory" / "spec"
_FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def blocks(name: str) -> list[tuple[str, str, int]]:
    text = (DOCS / name).read_text(encoding="utf-8")
    return [(m["info"].strip(), m["body"], text.count("\n", 0, m.start()) + 2) for m in _FENCE.finditer(text)]


def tagged(name: str, tag: str) -> list[tuple[str, int]]:
    return [(body, line) for info, body, line in blocks(name) if info == f"yaml {tag}"]


def outputs() -> list[tuple[str, str, str, str]]:
    found = []
    for doc in ("products.md", "cli.md"):
        for info, body, _ in blocks(doc):
            match = re.match(r'^(text|json) output-of="([^"]+)"$', info)
            if match:
                found.append((doc, match[1], match[2], body))
    return found


def doc_library():  # type: ignore[no-untyped-def]
    library = sample_library()
    for tag in ("template", "fragment"):
        for body, line in tagged("products.md", tag):
            document, problems = load_document(body, file=f"docs/products.md:{line}")
            assert document is not None
            assert problems == []
            assert library.add(document) == []
            assert library.check(document) == [], f"{tag} block at docs/products.md:{line}"
    return library


def test_the_guide_has_examples_of_each_kind() -> None:
    assert len(tagged("products.md", "product")) >= 3
    assert tagged("products.md", "template")
    assert tagged("products.md", "fragment")
    assert len(outputs()) >= 4


@pytest.mark.parametrize(("body", "line"), tagged("products.md", "product"), ids=lambda x: str(x)[:30])
def test_product_examples_load(body: str, line: int) -> None:
    spec, diagnostics = load_product_text(body, file=f"docs/products.md:{line}", library=doc_library())
    assert diagnostics == [], [d.format() for d in diagnostics]
    assert isinstance(spec, ProductSpec)


@pytest.mark.parametrize(("doc", "fmt", "args", "expected"), outputs(), ids=lambda x: str(x)[:40])
def test_shown_output_is_what_the_command_prints(
    doc: str, fmt: str, args: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, shlex.split(args))
    if fmt == "json":
        assert json.loads(result.stdout) == json.loads(expected)
    else:
        assert result.stdout == expected


def _fields(tp: object, seen: set[str]) -> set[str]:
    keys: set[str] = set()
    for member in _types.members(tp):
        base, _ = _types.strip(member)
        if not _types.is_model(base) or base.__name__ in seen:
            continue
        seen.add(base.__name__)
        for name, info in base.model_fields.items():
            keys.add(info.alias or name)
            child = _types.field_type(info)
            keys |= _fields(child, seen)
            item = _types.item_type(child)
            if item is not None:
                keys |= _fields(item, seen)
    return keys


def test_the_guide_mentions_every_field_and_section() -> None:
    guide = (DOCS / "products.md").read_text(encoding="utf-8")
    missing = sorted(
        k for k in _fields(ProductSpec, set()) if not re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", guide)
    )
    assert missing == []
    assert [s for s in section_names() if f"`{s}`" not in guide] == []


def test_the_cli_doc_lists_every_code() -> None:
    cli_doc = (DOCS / "cli.md").read_text(encoding="utf-8")
    source = "\n".join(
        p.read_text(encoding="utf-8")
        for p in [
            *SPEC_SRC.glob("*.py"),
            ROOT / "src" / "loanfactory" / "catalog.py",
            ROOT / "src" / "loanfactory" / "document.py",
        ]
    )
    codes = set(re.findall(r'Problem\(\s*\([^)]*\),\s*"([a-z][a-z-]+)"', source))
    codes |= set(re.findall(r'Explanation\([^,]+,\s*"([a-z][a-z-]+)"', source))
    codes |= set(
        re.findall(
            r'(?:diagnostic|error|Diagnostic)\(\s*(?:\([^)]*\)|[\w.]+|\(\)),\s*"([a-z][a-z-]+)"', source
        )
    )
    codes |= set(re.findall(r'Diagnostic\(\s*"([a-z][a-z-]+)"', source))
    codes |= set(re.findall(r'self\.error\(\s*"([a-z][a-z-]+)"', source))
    assert len(codes) > 40
    assert sorted(c for c in codes if f"`{c}`" not in cli_doc) == []

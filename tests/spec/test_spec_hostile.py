"""Hostile files: each is a clear, located diagnostic — never a traceback, never unbounded work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from spec_support import PRODUCTS

from loanfactory.catalog import load_catalog
from loanfactory.cli import cli
from loanfactory.errors import Diagnostic

GOOD = (PRODUCTS / "consumer_credit.yaml").read_text(encoding="utf-8")


def check(tmp_path: Path, content: bytes, name: str = "hostile.yaml") -> list[Diagnostic]:
    path = tmp_path / name
    path.write_bytes(content)
    catalog, diagnostics = load_catalog([path], handlers={})
    assert catalog.products == {}
    assert diagnostics, "a hostile file must give a diagnostic"
    for d in diagnostics:
        assert d.file == str(path)
        assert d.severity == "error"
        assert d.message
        assert d.message_zh
    return diagnostics


def test_gbk_file(tmp_path: Path) -> None:
    content = ("code: consumer_credit\nname: 个人消费贷\n").encode("gbk")
    [d] = check(tmp_path, content)
    assert (d.code, d.line, d.column) == ("not-utf8", 2, 7)
    assert d.hint is not None
    assert "UTF-8" in d.hint


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"# only a comment\n# and another\n"])
def test_empty_files(tmp_path: Path, content: bytes) -> None:
    [d] = check(tmp_path, content)
    assert (d.code, d.line) == ("empty-file", 1)


def test_binary_junk(tmp_path: Path) -> None:
    junk = bytes(range(256)) * 40
    [d] = check(tmp_path, junk)
    assert d.code == "binary-file"
    assert d.line == 1


def test_random_bytes_without_nul(tmp_path: Path) -> None:
    [d] = check(tmp_path, b"code: x\n\xff\xfe\xfd garbage\n")
    assert (d.code, d.line, d.column) == ("not-utf8", 2, 1)


def test_a_50_megabyte_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    line = b"key_0000000: value value value value value value value value value value\n"
    with path.open("wb") as handle:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    assert path.stat().st_size >= 50 * 1024 * 1024
    catalog, diagnostics = load_catalog([path], handlers={})
    assert [x.code for x in diagnostics] == ["file-too-large"]
    assert catalog.products == {}
    assert diagnostics[0].line == 1


def test_deeply_nested_flow(tmp_path: Path) -> None:
    [d] = check(tmp_path, b"code: " + b"[" * 100_000)
    assert d.code in ("too-deep", "yaml-syntax")
    assert d.line == 1


def test_deeply_nested_blocks(tmp_path: Path) -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "leaf: 1\n"
    [d] = check(tmp_path, text.encode())
    assert d.code == "too-deep"
    assert d.line == 65


def test_alias_bomb(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    [d] = check(tmp_path, ("\n".join(lines) + "\n").encode())
    assert d.code == "too-many-nodes"
    assert d.line is not None


def test_python_tags_are_refused(tmp_path: Path) -> None:
    [d] = check(tmp_path, b"code: !!python/name:os.system\n")
    assert (d.code, d.line) == ("unsupported-tag", 1)


def test_several_documents(tmp_path: Path) -> None:
    [d] = check(tmp_path, GOOD.encode() + b"\n---\ncode: other\n")
    assert d.code == "several-documents"


def test_a_huge_value(tmp_path: Path) -> None:
    [d] = check(tmp_path, b"code: x\nname: " + b"a" * 200_000 + b"\n")
    assert (d.code, d.line) == ("value-too-long", 2)


def test_complex_keys(tmp_path: Path) -> None:
    [d] = check(tmp_path, b"? [a, b]\n: value\n")
    assert d.code == "complex-key"


def test_tabs(tmp_path: Path) -> None:
    [d] = check(tmp_path, b"code: x\namount:\n\tmin: 1\n")
    assert d.code == "yaml-syntax"
    assert d.line == 3


def test_windows_line_endings_and_bom_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "crlf.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    catalog, diagnostics = load_catalog([path], handlers={})
    assert diagnostics == []
    assert list(catalog.products) == ["consumer_credit"]


def test_a_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(GOOD, encoding="utf-8")
    os.symlink(tmp_path, tmp_path / "loop")
    catalog, diagnostics = load_catalog([tmp_path], handlers={})
    assert diagnostics == []
    assert list(catalog.products) == ["consumer_credit"]


def test_a_directory_with_no_products_via_the_cli(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not yaml", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        result.stdout == f"{tmp_path}: error[no-products] the folder contains no YAML files "
        "(product files end in .yaml or .yml; 'kind: template' and 'kind: fragment' files are only parts of "
        "products)\n"
    )


def test_many_hostile_files_in_one_run(tmp_path: Path) -> None:
    files = {
        "gbk.yaml": "名称: 贷款\n".encode("gbk"),
        "empty.yaml": b"",
        "junk.yaml": b"\x00\x01\x02",
        "syntax.yaml": b"code: [unclosed\n",
        "good.yaml": GOOD.encode(),
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--format", "github"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert all(line.startswith("::error file=") for line in lines)
    assert "Traceback" not in result.output

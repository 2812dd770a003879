"""``loanfactory schema``: the JSON Schema on stdout or in a file; the shipped copy is never stale."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from loanfactory.cli import cli
from loanfactory.cli.schema import schema_text
from loanfactory.spec import product_json_schema

SHIPPED = Path(__file__).resolve().parents[2] / "schema" / "product.schema.json"


def test_the_shipped_schema_is_up_to_date() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == schema_text(), (
        "schema/product.schema.json is stale: run `loanfactory schema --output schema/product.schema.json`"
    )


def test_schema_goes_to_stdout() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == product_json_schema()
    assert result.stderr == ""


def test_schema_output_file(tmp_path: Path) -> None:
    target = tmp_path / "product.schema.json"
    result = CliRunner().invoke(cli, ["schema", "--output", str(target)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == schema_text()
    assert result.stderr == f"wrote {target}\n"
    zh = CliRunner().invoke(cli, ["--lang", "zh", "schema", "-o", str(target)])
    assert zh.stderr == f"已写入 {target}\n"


def test_schema_usage_errors_are_one_line(tmp_path: Path) -> None:
    missing = CliRunner().invoke(cli, ["schema", "--output", str(tmp_path / "no" / "such" / "dir.json")])
    assert missing.exit_code == 2
    assert missing.stderr == f"loanfactory schema: no such directory: {tmp_path / 'no' / 'such'}\n"
    unknown = CliRunner().invoke(cli, ["schema", "--bogus"])
    assert unknown.exit_code == 2
    assert len(unknown.stderr.splitlines()) == 1

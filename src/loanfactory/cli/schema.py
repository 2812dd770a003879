"""``loanfactory schema [--output FILE]``: the JSON Schema of a product file.

Editors use it to autocomplete and check product YAML (see ``docs/products.md``); a copy is kept
at ``schema/product.schema.json`` and a test fails when that copy is stale. Without ``--output``
the schema goes to stdout.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from loanfactory.cli import language
from loanfactory.cli.validate import OneLineUsageCommand, OneLineUsageError
from loanfactory.spec import product_json_schema


def schema_text() -> str:
    """The schema as written to ``schema/product.schema.json`` (stable key order, UTF-8)."""
    return json.dumps(product_json_schema(), ensure_ascii=False, indent=2) + "\n"


@click.command(cls=OneLineUsageCommand)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the schema to FILE instead of stdout.",
)
@click.pass_context
def schema(ctx: click.Context, output: Path | None) -> None:
    """Print the JSON Schema of a product file (for editors and CI)."""
    text = schema_text()
    if output is None:
        click.echo(text, nl=False)
        return
    if output.parent and not output.parent.exists():
        raise OneLineUsageError(f"no such directory: {output.parent}", ctx)
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OneLineUsageError(f"cannot write {output}: {exc.strerror or exc}", ctx) from None
    message = f"已写入 {output}" if language(ctx) == "zh" else f"wrote {output}"
    click.echo(message, err=True)

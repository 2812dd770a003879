"""``loanfactory report``: reports from report definitions (报表), over the database.

::

    loanfactory report list [--definitions DIR]
    loanfactory report check FILE...
    loanfactory report run NAME --period 2026-01 [--grain week] [--db URL] [--format json|csv|xlsx|text]
                               [--out FILE]
    loanfactory report html --period 2026-01 [--grain week] [--db URL] [NAME...] --out report.html
                            [--images DIR]
    loanfactory report snapshot --date 2026-01-31 [--db URL]
    loanfactory report credit-bureau --month 2026-01 ...   (the PBOC credit-reporting files)

The database is ``--db URL``, else ``$LOANFACTORY_DB``, else ``sqlite:///loanfactory.db``; products
are read from ``--products`` (default ``products/``) for their names and guarantee types; a bank's
own definitions from ``--definitions DIR`` (a file named like a shipped report replaces it).
``html`` without names draws the management pack (user growth, business volume, risk); ``--grain``
counts the periods of the reports that have a period dimension in days, weeks, months, quarters or
years (the others are unchanged). Further
``report`` commands register in :data:`REPORT_COMMANDS` (name -> module, attribute, help).

Exit codes: 0 done; 1 ``check`` found problems; 2 a usage error (bad period, unknown report, bad
definition file, database unreachable).
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import click

from loanfactory.cli import language
from loanfactory.errors import Language, LoanfactoryError, SpecError

MANAGEMENT_PACK = ("user-growth", "business-volume", "risk")

REPORT_COMMANDS: dict[str, tuple[str, str, str]] = {
    "credit-bureau": (
        "loanfactory.cli.credit_bureau",
        "credit_bureau",
        "Write a month's PBOC credit-reporting files and their reconciliation (征信报送).",
    ),
}
"""Subcommands loaded lazily: name -> (module, attribute, one-line help)."""


class _ReportGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *REPORT_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = REPORT_COMMANDS.get(cmd_name)
        if entry is not None:
            command = getattr(importlib.import_module(entry[0]), entry[1])
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_ReportGroup)
def report() -> None:
    """Reports from report definitions: regulator returns and management reports."""


def _library(definitions: tuple[str, ...], lang: str) -> dict[str, Any]:
    from loanfactory.reporting import report_library

    try:
        return report_library(definitions)
    except SpecError as exc:
        lines = [d.in_language("zh" if lang == "zh" else "en").format() for d in exc.diagnostics]
        raise click.UsageError("report definitions do not load:\n" + "\n".join(lines)) from None


def _store(db: str | None, lang: str) -> Any:
    from loanfactory.adapters.sql import SqlStore

    try:
        return SqlStore(db, cipher="env")
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized("zh" if lang == "zh" else "en")) from None
    except Exception as exc:  # a wrong URL, a server that does not answer
        raise click.UsageError(f"cannot open the database: {type(exc).__name__}: {exc}") from None


def _products(folder: str) -> Mapping[str, Any]:
    from loanfactory.catalog import load_catalog

    path = Path(folder)
    if not path.is_dir():
        return {}
    catalog, diagnostics = load_catalog([path])
    if any(d.severity == "error" for d in diagnostics):
        raise click.UsageError(f"--products: the products in {folder} do not load (run loanfactory validate)")
    return dict(catalog.products)


def _today(store: Any) -> date:
    from loanfactory.adapters.clock import SystemClock
    from loanfactory.reporting import first_open_day

    return first_open_day(store, SystemClock().today())


def _archive(store: Any, blobs: str) -> Any:
    """The compliance archive regulator returns are kept in (as ``credit-bureau`` keeps its files)."""
    from loanfactory.adapters.blob import blob_store
    from loanfactory.adapters.clock import SystemClock
    from loanfactory.archive import Archive

    return Archive(store, blob_store(blobs), SystemClock())


def _run(
    store: Any,
    definition: Any,
    period: str,
    products: Mapping[str, Any],
    lang: Language,
    grain: str | None = None,
    archive: Any = None,
) -> Any:
    from loanfactory.cli.progress import Progress
    from loanfactory.reporting import run_report

    try:
        with Progress(f"{definition.name} {period}") as progress:
            return run_report(
                store,
                definition,
                period,
                today=_today(store),
                products=products,
                lang=lang,
                grain=grain,
                progress=progress.update,
                archive=archive,
                actor="cli",
            )
    except LoanfactoryError as exc:
        raise click.UsageError(
            f"--{exc.field or 'period'}: {exc.localized('zh' if lang == 'zh' else 'en')}"
        ) from None


_DB = click.option("--db", default=None, metavar="URL", help="Database URL (default $LOANFACTORY_DB).")
_PRODUCTS = click.option(
    "--products", "products_dir", default="products", show_default=True, help="Products folder."
)
_DEFINITIONS = click.option(
    "--definitions",
    multiple=True,
    metavar="DIR",
    help="A folder or file of the bank's own report definitions.",
)
_PERIOD = click.option(
    "--period",
    required=True,
    metavar="PERIOD",
    help="2026-01, 2026-Q1, 2026, 2026-01-15 or 2026-01-01..2026-03-31.",
)
_BLOBS = click.option(
    "--blobs",
    default="loanfactory-archive",
    show_default=True,
    metavar="DIR|s3://bucket/prefix",
    help="Where the compliance archive keeps files: regulator returns are archived as produced.",
)
_GRAIN = click.option(
    "--grain",
    default=None,
    metavar="GRAIN",
    help="day, week, month, quarter or year: count the report's periods in it instead of its own grain.",
)


@report.command("list")
@_DEFINITIONS
@click.pass_context
def list_reports(ctx: click.Context, definitions: tuple[str, ...]) -> None:
    """List the report definitions."""
    lang = language(ctx)
    for name, definition in _library(definitions, lang).items():
        click.echo(f"{name:<20} {definition.family:<11} {definition.title.text(lang)}")


@report.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.pass_context
def check(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Check report definition files; print every problem with its place."""
    from loanfactory.reporting import read_definition

    lang = language(ctx)
    bad = 0
    for name in files:
        _, problems = read_definition(Path(name))
        for problem in problems:
            click.echo(problem.in_language("zh" if lang == "zh" else "en").format(), err=True)
        bad += sum(p.severity == "error" for p in problems)
    click.echo(f"{len(files)} file(s), {bad} error(s)", err=True)
    sys.exit(1 if bad else 0)


@report.command()
@click.argument("name")
@_PERIOD
@_GRAIN
@_DB
@_PRODUCTS
@_DEFINITIONS
@_BLOBS
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx", "text"]), default="text")
@click.option(
    "--out", type=click.Path(dir_okay=False), default=None, help="Write to this file (xlsx needs one)."
)
@click.pass_context
def run(
    ctx: click.Context,
    name: str,
    period: str,
    grain: str | None,
    db: str | None,
    products_dir: str,
    definitions: tuple[str, ...],
    blobs: str,
    fmt: str,
    out: str | None,
) -> None:
    """Run one report for a period (a regulator return is archived as produced)."""
    from loanfactory.reporting import pick, to_csv, to_json, to_xlsx

    lang = language(ctx)
    library = _library(definitions, lang)
    try:
        definition = pick(library, name)
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(lang)) from None
    if fmt == "xlsx" and out is None:
        raise click.UsageError("--format xlsx writes a file: name it with --out")
    store = _store(db, lang)
    result = _run(store, definition, period, _products(products_dir), lang, grain, _archive(store, blobs))
    if fmt == "xlsx":
        data: bytes = to_xlsx(result)
    elif fmt == "json":
        data = (json.dumps(to_json(result), ensure_ascii=False, indent=2) + "\n").encode()
    elif fmt == "csv":
        data = ("\ufeff" if out else "").encode() + to_csv(result).encode()  # a BOM lets Excel read UTF-8
    else:
        data = _text(result).encode()
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        Path(out).write_bytes(data)
        click.echo(f"wrote {out}", err=True)


def _text(result: Any) -> str:
    from loanfactory.reporting import section_title, show

    lines = [result.definition.title.text(result.lang), f"{result.start} .. {result.end}"]
    for i, section in enumerate(result.sections):
        names = section.section.measures
        lines += ["", section_title(result, section, i)]
        header = [*(b.text(result.lang) for b in section.by), *(result.label(n) for n in names)]
        rows = [
            [*r.labels, *(show(r.values.get(n), result.measure(n).format) for n in names)]
            for r in section.rows
        ]
        if section.total is not None:
            total = "合计" if result.lang == "zh" else "total"
            pad = [""] * max(len(section.by) - 1, 0)
            rows.append(
                [total, *pad, *(show(section.total.values.get(n), result.measure(n).format) for n in names)]
            )
        lines += ["  ".join(str(c) for c in row) for row in [header, *rows]]
    return "\n".join(lines) + "\n"


@report.command()
@click.argument("names", nargs=-1)
@_PERIOD
@_GRAIN
@_DB
@_PRODUCTS
@_DEFINITIONS
@_BLOBS
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="The HTML file to write.")
@click.option(
    "--images",
    type=click.Path(file_okay=False),
    default=None,
    help="Also write each chart as PNG and SVG here.",
)
@click.pass_context
def html(
    ctx: click.Context,
    names: tuple[str, ...],
    period: str,
    grain: str | None,
    db: str | None,
    products_dir: str,
    definitions: tuple[str, ...],
    blobs: str,
    out: str,
    images: str | None,
) -> None:
    """Write one self-contained HTML file with charts (the management pack by default)."""
    from loanfactory.reporting import html_report, pick, report_images

    lang = language(ctx)
    library = _library(definitions, lang)
    try:
        chosen = [pick(library, n) for n in names or MANAGEMENT_PACK]
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(lang)) from None
    store = _store(db, lang)
    products = _products(products_dir)
    archive = _archive(store, blobs)
    results = [_run(store, d, period, products, lang, grain if d.grain else None, archive) for d in chosen]
    try:
        page = html_report(results, today=_today(store).isoformat())
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(lang)) from None
    Path(out).write_text(page, encoding="utf-8")
    click.echo(f"wrote {out}", err=True)
    if images:
        folder = Path(images)
        folder.mkdir(parents=True, exist_ok=True)
        for result in results:
            for fmt in ("png", "svg"):
                for file, data in report_images(result, fmt).items():
                    (folder / file).write_bytes(data)
        click.echo(f"wrote charts to {folder}", err=True)


@report.command()
@click.option(
    "--date", "day", required=True, metavar="YYYY-MM-DD", help="The position date (after its end of day)."
)
@_DB
@click.pass_context
def snapshot(ctx: click.Context, day: str, db: str | None) -> None:
    """Store the loan positions of a date (run after a month end's end of day)."""
    from loanfactory.reporting import ensure_positions

    lang = language(ctx)
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        raise click.UsageError(f"--date must be YYYY-MM-DD, got '{day}'") from None
    store = _store(db, lang)
    try:
        done = ensure_positions(store, [wanted], _today(store))
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(lang)) from None
    with store.transaction() as tx:
        count = len(tx.reports.position_dates())
    click.echo(
        f"positions of {day}: {'computed' if done else 'already stored'} ({count} dates stored)", err=True
    )

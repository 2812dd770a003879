"""``loanfactory report credit-bureau``: a month's credit-reporting files (征信报送文件).

::

    loanfactory report credit-bureau --month 2026-03 --db URL --out reports/ \\
        [--config bank-credit.yaml] [--codes codes.yaml] [--products products/] [--blobs archive/]

Writes the month's files (210 personal accounts, 410 enterprise accounts, 212 corrections, 213/214
deletions) and ``credit-bureau-<month>-reconciliation.json`` into ``--out``; the summary goes to
stderr (``--format json`` prints it on stdout). The files are archived in ``--blobs`` (the
compliance archive's folder) and the run is stored: running a month again writes the same files.

Exit codes: 0 written and reconciled; 1 written but the reconciliation is not equal, or the run was
refused (the month is not over, months out of order, the institution codes not configured);
2 a usage error (a bad month or file, the database unreachable).
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click

from loanfactory.cli import language
from loanfactory.errors import InvalidInput, LoanfactoryError, SpecError, StateConflict


@click.command("credit-bureau")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month to report.")
@click.option("--db", "url", default=None, metavar="URL", help="Database URL (default: $LOANFACTORY_DB).")
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the files."
)
@click.option(
    "--config", "config", default=None, type=click.Path(dir_okay=False), help="The bank's settings file."
)
@click.option(
    "--codes", default=None, type=click.Path(dir_okay=False), help="Code tables over the packaged ones."
)
@click.option("--products", "products_dir", default="products", show_default=True, metavar="DIR")
@click.option(
    "--blobs",
    default="loanfactory-archive",
    show_default=True,
    metavar="DIR|s3://bucket/prefix",
    help="Where the archive keeps files.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def credit_bureau(
    ctx: click.Context,
    month: str,
    url: str | None,
    out_dir: str,
    config: str | None,
    codes: str | None,
    products_dir: str,
    blobs: str,
    fmt: str,
) -> None:
    """Write a month's PBOC credit-reporting files and their reconciliation (征信报送)."""
    lang = language(ctx)
    from loanfactory.adapters.blob import blob_store
    from loanfactory.adapters.clock import SystemClock
    from loanfactory.adapters.sql import SqlStore
    from loanfactory.archive import Archive
    from loanfactory.cli.eod import _products
    from loanfactory.regulatory import CreditReporting, load_spec, text

    try:
        spec = load_spec(config, codes=codes)
    except SpecError as exc:
        for problem in exc.diagnostics:
            click.echo(problem.in_language(lang).format(), err=True)
        raise click.UsageError("the reporting settings do not load") from None
    products = _products(Path(products_dir))
    try:
        clock = SystemClock()
        store = SqlStore(url, clock=clock)
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(lang)) from None
    except Exception as exc:  # the driver's own errors: unreachable, bad URL
        raise click.UsageError(f"cannot open the database: {type(exc).__name__}: {exc}") from None
    try:
        archive = Archive(store, blob_store(blobs), clock)
        reporting = CreditReporting(store, clock, archive=archive, spec=spec, products=products)
        report = reporting.run_month(month, actor="cli")
    except InvalidInput as exc:
        raise click.UsageError(exc.localized(lang)) from None
    except StateConflict as exc:
        click.echo(f"loanfactory report credit-bureau: {exc.localized(lang)}", err=True)
        sys.exit(1)
    finally:
        store.dispose()
    paths = report.write(out_dir)
    if fmt == "json":
        click.echo(json.dumps(report.summary, ensure_ascii=False, sort_keys=True))
    else:
        click.echo(text(report.summary, lang), err=True)
        for path in paths:
            click.echo(str(path))
    if not report.summary.get("equal"):
        sys.exit(1)


def demo_section(lender: Any, clock: Any, first: date, last: date, folder: Path, lang: str) -> None:
    """The demo's credit-reporting and archive section: every month from ``first`` to the month
    before ``last``, written to ``folder``, then what the archive holds per loan."""
    from loanfactory.regulatory import text
    from loanfactory.servicing import Loan

    zh = lang == "zh"
    reporting = lender.credit_reporting
    if reporting is None or lender.archive is None:
        return
    month = first.replace(day=1)
    clock.set(last)
    while month < last.replace(day=1):
        report = reporting.run_month(month.strftime("%Y-%m"), actor="demo")
        report.write(folder)
        summary = report.summary
        records = sum(f["records"] for f in summary["files"])
        state = ("对账一致" if zh else "reconciled") if summary["equal"] else "NOT EQUAL"
        held = summary["accounts"]["held"]
        click.echo(
            f"  {summary['month']}: {len(summary['files'])} 个文件 / {records} 条记录，{state}"
            + (f"，暂缓 {held}" if held else "")
            if zh
            else f"  {summary['month']}: {len(summary['files'])} files / {records} records, {state}"
            + (f", held {held}" if held else "")
        )
        if not summary["equal"]:
            click.echo(text(summary, lang), err=True)
        month = (month + timedelta(days=32)).replace(day=1)
    with lender.store.transaction() as tx:
        loans = sorted(loan.id for loan in tx.repo(Loan).list())
    counts = [len(lender.archive.find(loan_id=loan)) for loan in loans]
    if not counts:
        return
    low, high = min(counts), max(counts)
    kinds = (
        "申请、决策、合同、签署、放款、通知"
        if zh
        else "application, decision, contract, signatures, disbursement, notices"
    )
    click.echo(
        f"合规档案：{len(loans)} 笔贷款，每笔 {low}–{high} 份档案（{kinds}）"
        if zh
        else f"compliance archive: {len(loans)} loans, {low}–{high} records each ({kinds})"
    )

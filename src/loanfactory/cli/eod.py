"""``loanfactory eod``: run (or resume) the end-of-day batch for a business date (日终批处理).

::

    loanfactory eod --date 2026-01-31 [--db URL] [--products DIR] [--engine vectorised] [--format json]

The database is ``--db URL``, else ``$LOANFACTORY_DB``, else the project file's ``db``, else
``sqlite:///loanfactory.db``; the products are read from ``--products`` (default: the project's, or
``products/``). A progress bar shows on stderr when it is a terminal (``--quiet``: none). The run
only writes the ledger, the loans, the outbox and the books (the general ledger closes the date;
``--chart`` and ``--posting-rules`` name the bank's accounting files): auto-debit instructions and
notifications are delivered later by the relays.
Running a completed date again changes nothing; a run that stopped midway resumes after its
checkpoint.

The first date ever run fixes the calendar (dates then run one after the other), so a date that
would pin it is refused unless ``--allow-gap`` says it is meant: a first date before the book's
first loan, or more than ``--max-gap-days`` (31) before today, and a date that skips dates after
the last run (the skipped dates are then not run).

Exit codes: 0 the date is completed; 1 the run was refused (a date before the last run, a gap, a
date not begun yet, a first date before the book or far behind today); 2 a usage error (bad
date, unreadable products, database unreachable).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from loanfactory.cli import language
from loanfactory.cli.progress import Progress
from loanfactory.errors import LoanfactoryError, StateConflict
from loanfactory.ports import PaymentInstruction, PaymentResult, SignatureMethod, SignatureRecord


class _RelayedPayments:
    """The end of day never pays: instructions wait in the outbox for the payment relay."""

    def submit(self, instruction: PaymentInstruction) -> PaymentResult:
        raise StateConflict("the end of day does not move money; run the payment relay", field="gateway")

    def status(self, instruction_id: str) -> PaymentResult:
        raise StateConflict("the end of day does not move money; run the payment relay", field="gateway")


class _NoSigner:
    def sign(
        self, *, document_sha256: str, signer: str, signer_role: str, method: SignatureMethod, at: Any
    ) -> SignatureRecord:
        raise StateConflict("the end of day signs nothing", field="signer")

    def verify(self, record: SignatureRecord) -> bool:
        return False


@click.command()
@click.option(
    "--date", "business_date", required=True, metavar="YYYY-MM-DD", help="The business date to run."
)
@click.option(
    "--db",
    "url",
    envvar="LOANFACTORY_DB",
    default=None,
    metavar="URL",
    help="Database URL (default: $LOANFACTORY_DB, the project file's db, or sqlite:///loanfactory.db).",
)
@click.option(
    "--products",
    "products_dir",
    default="products",
    show_default=True,
    metavar="DIR",
    help="Where the product files are.",
)
@click.option(
    "--engine", type=click.Choice(["per-loan", "vectorised"]), default="per-loan", show_default=True
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--allow-gap",
    is_flag=True,
    help="Run this date although it skips dates, or is a first date before the book or far behind today.",
)
@click.option(
    "--max-gap-days",
    type=click.IntRange(min=0),
    default=31,
    show_default=True,
    help="How far behind today a first date may be without --allow-gap.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar on stderr.")
@click.option("--chart", "chart_file", default=None, metavar="FILE", help="Chart of accounts of the books.")
@click.option(
    "--posting-rules", "rules_file", default=None, metavar="FILE", help="Posting rules of the books."
)
@click.pass_context
def eod(
    ctx: click.Context,
    business_date: str,
    url: str | None,
    products_dir: str,
    engine: str,
    fmt: str,
    allow_gap: bool,
    max_gap_days: int,
    quiet: bool,
    chart_file: str | None,
    rules_file: str | None,
) -> None:
    """Run the end-of-day batch for a business date: accrue, age, classify, act, warn, order debits."""
    lang = language(ctx)
    try:
        day = date.fromisoformat(business_date)
    except ValueError:
        raise click.UsageError(f"--date must be YYYY-MM-DD, got '{business_date}'") from None
    products = _products(Path(products_dir))
    from loanfactory.cli.gl import load_rules

    posting_rules = load_rules(chart_file, rules_file, lang)
    from loanfactory.accounting import GeneralLedger
    from loanfactory.adapters.clock import SystemClock
    from loanfactory.adapters.sql import SqlStore
    from loanfactory.servicing import Servicing, ServicingConfig

    try:
        clock = SystemClock()
        store = SqlStore(url, clock=clock)
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(lang)) from None
    except Exception as exc:  # the driver's own errors: unreachable, bad URL
        raise click.UsageError(f"cannot open the database: {type(exc).__name__}: {exc}") from None
    # SqlStore implements the Store port; mypy does not yet see its transaction type as one (reported)
    books = GeneralLedger(store, rules=posting_rules, clock=clock)  # the books close with every end of day
    servicing = Servicing(
        store,
        clock,
        products=products,
        gateway=_RelayedPayments(),
        signer=_NoSigner(),
        config=ServicingConfig(eod_max_gap_days=max_gap_days),
        day_steps=(books,),
    )
    label = f"日终 {day}" if lang == "zh" else f"end of day {day}"
    try:
        with Progress(label, quiet=quiet) as progress:
            run = servicing.run_eod(
                day,
                engine=engine,  # type: ignore[arg-type]
                allow_gap=allow_gap,
                progress=progress.update,
            )
    except StateConflict as exc:
        click.echo(f"loanfactory eod: {exc.localized(lang)}", err=True)
        sys.exit(1)
    finally:
        store.dispose()
    steps = {s.name: {"loans": s.loans, "records": s.postings} for s in run.steps}
    figures: dict[str, Any] = {
        "business_date": run.business_date.isoformat(),
        "status": run.status.value,
        "engine": run.engine,
        "attempts": run.attempts,
        "agenda": run.agenda,
        "steps": steps,
        "actions": {
            k.removeprefix("action:"): int(v) for k, v in run.totals.items() if k.startswith("action:")
        },
    }
    if fmt == "json":
        click.echo(json.dumps(figures, ensure_ascii=False))
    else:
        tally = ", ".join(f"{name} {v['loans']}/{v['records']}" for name, v in steps.items())
        title = "日终完成" if lang == "zh" else "end of day completed"
        click.echo(f"{title} {figures['business_date']}: {run.agenda} loans; {tally}")


def _products(folder: Path) -> dict[str, Any]:
    from loanfactory.catalog import load_catalog

    if not folder.is_dir():
        raise click.UsageError(f"--products: no folder {folder}")
    catalog, diagnostics = load_catalog([folder])
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        raise click.UsageError(f"the products do not load: {errors[0].format()} (and {len(errors) - 1} more)")
    return dict(catalog.products)

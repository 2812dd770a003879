"""``loanfactory eod``: run (or resume) the end-of-day batch for a business date (日终批处理).

::

    loanfactory eod --date 2026-01-31 [--db URL] [--products DIR] [--engine vectorised] [--format json]
    loanfactory eod --date 2026-01-31 --db postgresql://... --dask tcp://scheduler:8786 [--partitions 64]
    loanfactory eod --date 2026-01-31 --db postgresql://... --dask local:2

The database is ``--db URL``, else ``$LOANFACTORY_DB``, else the project file's ``db``, else
``sqlite:///loanfactory.db``; the products are read from ``--products`` (default: the project's, or
``products/``). A progress bar shows on stderr when it is a terminal (``--quiet``: none). The run
only writes the ledger, the loans, the outbox and the books (the general ledger closes the date;
``--chart`` and ``--posting-rules`` name the bank's accounting files): auto-debit instructions and
notifications are delivered later by the relays.
Running a completed date again changes nothing; a run that stopped midway resumes after its
checkpoint.

``--dask`` runs the loans in loan-id ranges on a ``dask.distributed`` cluster — a scheduler
address, or ``local:N`` for N worker processes on this machine — each worker opening its own
connection to the database (PostgreSQL; the workers need the same ``$LOANFACTORY_PII_KEY`` and
product files); the day's book-wide steps run once here (see ``docs/batch.md``).

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
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import click

from loanfactory.cli import language
from loanfactory.cli.progress import Progress
from loanfactory.errors import InvalidInput, LoanfactoryError, StateConflict


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
@click.option(
    "--dask",
    "scheduler",
    default=None,
    metavar="ADDRESS|local:N",
    help="Run the loans in ranges on a Dask cluster: a scheduler address, or local:N worker processes.",
)
@click.option(
    "--partitions",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Loan-id ranges of a --dask run (default: twice the cluster's worker threads).",
)
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
    scheduler: str | None,
    partitions: int | None,
    chart_file: str | None,
    rules_file: str | None,
) -> None:
    """Run the end-of-day batch for a business date: accrue, age, classify, act, warn, order debits."""
    lang = language(ctx)
    try:
        day = date.fromisoformat(business_date)
    except ValueError:
        raise click.UsageError(f"--date must be YYYY-MM-DD, got '{business_date}'") from None
    if partitions is not None and scheduler is None:
        raise click.UsageError("--partitions needs --dask")
    workers = _local_workers(scheduler) if scheduler is not None else None
    from loanfactory.cli.gl import load_rules

    posting_rules = load_rules(chart_file, rules_file, lang)
    from loanfactory.accounting import GeneralLedger
    from loanfactory.adapters.batch import StoredServicing
    from loanfactory.adapters.sql import database_url
    from loanfactory.servicing import ServicingConfig

    recipe = StoredServicing(
        url=database_url(url).render_as_string(hide_password=False),
        products=Path(products_dir),
        config=ServicingConfig(eod_max_gap_days=max_gap_days),
    )
    with ExitStack() as stack:
        try:
            servicing = stack.enter_context(recipe.open())
        except InvalidInput as exc:
            raise click.UsageError(f"--{exc.field}: {exc.localized(lang)}") from None
        except LoanfactoryError as exc:
            raise click.UsageError(exc.localized(lang)) from None
        except Exception as exc:  # the driver's own errors: unreachable, bad URL
            raise click.UsageError(f"cannot open the database: {type(exc).__name__}: {exc}") from None
        # the books close with every end of day, once for the date
        servicing.day_steps = (GeneralLedger(servicing.store, rules=posting_rules, clock=servicing.clock),)
        label = f"日终 {day}" if lang == "zh" else f"end of day {day}"
        try:
            with Progress(label, quiet=quiet) as progress:
                if scheduler is None:
                    run = servicing.run_eod(
                        day,
                        engine=engine,  # type: ignore[arg-type]
                        allow_gap=allow_gap,
                        progress=progress.update,
                    )
                else:
                    run = _run_on_dask(
                        servicing,
                        day,
                        recipe,
                        scheduler,
                        workers,
                        partitions,
                        engine,
                        allow_gap,
                        progress.update,
                    )
        except StateConflict as exc:
            click.echo(f"loanfactory eod: {exc.localized(lang)}", err=True)
            sys.exit(1)
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


def _local_workers(scheduler: str) -> int | None:
    """N of ``local:N`` (None for a scheduler address); a malformed value is a usage error."""
    if not scheduler.startswith("local"):
        return None
    count = scheduler.removeprefix("local:")
    if not count.isdigit() or int(count) < 1:
        raise click.UsageError(f"--dask: local:N needs a positive number of workers, got '{scheduler}'")
    return int(count)


def _run_on_dask(
    servicing: Any,
    day: date,
    recipe: Any,
    scheduler: str,
    workers: int | None,
    partitions: int | None,
    engine: str,
    allow_gap: bool,
    progress: Any,
) -> Any:
    from loanfactory.adapters.batch import distributed, run_eod_dask

    try:
        dist = distributed()
    except ImportError as exc:
        raise click.UsageError(f"--dask: {exc}") from None

    if workers is not None:
        cluster = dist.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
        client = dist.Client(cluster)
    else:
        cluster = None
        try:
            client = dist.Client(scheduler, timeout=30)
        except (OSError, TimeoutError) as exc:
            raise click.UsageError(f"--dask: cannot reach the scheduler {scheduler}: {exc}") from None
    try:
        return run_eod_dask(
            servicing,
            day,
            recipe.open,
            client=client,
            partitions=partitions,
            engine=engine,  # type: ignore[arg-type]
            allow_gap=allow_gap,
            progress=progress,
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _products(folder: Path) -> dict[str, Any]:
    """The products of ``--products``; a folder that does not load is a usage error."""
    from loanfactory.adapters.batch import load_products

    try:
        return dict(load_products(folder))
    except InvalidInput as exc:
        raise click.UsageError(f"--products: {exc.localized('en')}") from None

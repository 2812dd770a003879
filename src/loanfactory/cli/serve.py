"""``loanfactory serve``: the HTTP API on the embedded SQLite store (or the database you name).

::

    loanfactory serve                                   # the project's folders (loanfactory.yaml), or
                                                        # sqlite:///loanfactory.db, ./products, ./rules
    loanfactory serve --db postgresql://lf@db/lf --host 0.0.0.0 --port 8080 --keys keys.yaml

API keys come from ``--keys`` (a YAML/JSON file ``{keys: [{name, role, sha256, customer_id?}]}``),
``$LOANFACTORY_API_KEYS_FILE`` or ``$LOANFACTORY_API_KEYS`` (``name:role:key[:customer_id],...``);
with none configured the server makes one key per role for development and prints them once.
The development customer key names no customer: it opens an account first (``POST /v1/customers``).
Signed tokens are accepted when ``$LOANFACTORY_TOKEN_SECRET`` is set, and the bank's identity
provider's JWTs when ``$LOANFACTORY_JWT_ISSUER``, ``_AUDIENCE`` and ``_JWKS`` are. A product or rule file with
an error stops the server before it listens (exit 1, every problem listed).

KYC, credit bureau, payments and e-signatures need real provider adapters (an embedding
application gives them to ``build_server``; the payment gateway may come from
``$LOANFACTORY_GATEWAY_URL``). Without them the server refuses to start (exit 2, code
``providers-required``) unless ``--simulate`` chooses the simulated providers of
:mod:`loanfactory.testing` for the missing ones; the choice is printed on start and shown at
``GET /v1/health``.

Personal data is encrypted at rest with ``$LOANFACTORY_PII_KEY`` (keys newest first, see
``loanfactory db rotate-pii-key``); without it the server refuses to start (exit 2) unless
``--dev`` says that storing personal data in clear is intended.
"""

from __future__ import annotations

import os
from pathlib import Path

import click


@click.command()
@click.option(
    "--db",
    "db",
    envvar="LOANFACTORY_DB",
    default=None,
    metavar="URL",
    help="Database URL (default: $LOANFACTORY_DB or sqlite:///loanfactory.db).",
)
@click.option(
    "--products",
    type=click.Path(path_type=Path),
    default=Path("products"),
    show_default=True,
    help="Directory of product files.",
)
@click.option(
    "--rules",
    type=click.Path(path_type=Path),
    default=Path("rules"),
    show_default=True,
    help="Directory of rule files (rule sets, decision tables, scorecards).",
)
@click.option(
    "--templates",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A folder of notification template overrides (zh.yaml, en.yaml); every notice kind must "
    "have its templates or the server does not start.",
)
@click.option(
    "--lpr", type=click.Path(dir_okay=False, path_type=Path), default=None, help="LPR fixings file."
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--keys",
    "keys_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="API key file (default: $LOANFACTORY_API_KEYS_FILE).",
)
@click.option(
    "--rate-limit",
    type=click.FloatRange(min=0.1),
    default=100.0,
    show_default=True,
    help="Requests per second per key.",
)
@click.option(
    "--burst", type=click.IntRange(min=1), default=200, show_default=True, help="Bucket size per key."
)
@click.option(
    "--auth-failure-rate",
    type=click.FloatRange(min=0.001),
    default=0.2,
    show_default=True,
    help="Failed authentications per second a client address gets back.",
)
@click.option(
    "--auth-failure-burst",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Failed authentications a client address may make in a row before 429.",
)
@click.option(
    "--relay-interval",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="Seconds between background passes: notifications, payments, product statuses (0: off).",
)
@click.option(
    "--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info", show_default=True
)
@click.option(
    "--dev",
    is_flag=True,
    help="Development: start without $LOANFACTORY_PII_KEY (personal data stored in clear).",
)
@click.option(
    "--simulate",
    is_flag=True,
    help="Use the simulated KYC, bureau, payment and e-signature providers for those not configured "
    "(development and demos: no real money moves, nobody is checked).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    db: str | None,
    products: Path,
    rules: Path,
    templates: Path | None,
    lpr: Path | None,
    host: str,
    port: int,
    keys_file: Path | None,
    rate_limit: float,
    burst: int,
    auth_failure_rate: float,
    auth_failure_burst: int,
    relay_interval: float,
    log_level: str,
    dev: bool,
    simulate: bool,
) -> None:
    """Serve the HTTP API (docs at /v1/docs)."""
    import uvicorn

    from loanfactory.adapters.http import ServerSettings, build_server
    from loanfactory.cli import language
    from loanfactory.errors import LoanfactoryError, SpecError

    for option, folder in (("--products", products), ("--rules", rules)):
        if not folder.is_dir():
            raise click.UsageError(f"{option}: '{folder}' is not a directory")
    settings = ServerSettings(
        db=db,
        products=products,
        rules=rules,
        keys_file=keys_file,
        rate=rate_limit,
        burst=burst,
        auth_failure_rate=auth_failure_rate,
        auth_failure_burst=auth_failure_burst,
        relay_interval=relay_interval,
        environ=dict(os.environ),
        dev=dev,
        templates=templates,
        lpr=lpr,
        simulate=simulate,
    )
    try:
        server = build_server(settings)
    except SpecError as exc:
        for diagnostic in exc.diagnostics:
            click.echo(diagnostic.format(), err=True)
        raise SystemExit(1) from None
    except LoanfactoryError as exc:
        raise click.UsageError(exc.localized(language(ctx))) from None
    except (ValueError, OSError) as exc:
        raise click.UsageError(str(exc)) from None
    for note in server.notes:
        click.echo(f"note: {note}", err=True)
    if server.generated_keys:
        click.echo("no API keys configured: development keys for this run (shown once):", err=True)
        for role, key in server.generated_keys.items():
            click.echo(f"  {role.value:<16} {key}", err=True)
        click.echo(
            "  (the customer key opens an account with POST /v1/customers, then acts for that customer)",
            err=True,
        )
    _log_to_stderr(log_level)
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"loanfactory API on http://{shown}:{port}/v1  (docs: http://{shown}:{port}/v1/docs)", err=True
    )
    try:
        uvicorn.run(
            server.app,
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            server_header=False,
            date_header=False,
        )
    finally:
        server.stop.set()


def _log_to_stderr(level: str) -> None:
    """Access and error lines of ``loanfactory.*`` on stderr, personal numbers masked."""
    import logging

    from loanfactory.pii import PiiLogFilter

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PiiLogFilter())
    logger = logging.getLogger("loanfactory")
    logger.addHandler(handler)
    logger.setLevel(level.upper())

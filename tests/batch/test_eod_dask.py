"""End of day over PostgreSQL on Dask: a mixed stored book run in loan-id ranges on a 2-worker
LocalCluster (processes) gives the single-process run's postings, loan states, notices, outbox,
books and run figures, to the fen, day after day; a range that crashed midway resumes with
nothing doubled."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from loanfactory.accounting import GeneralLedger
from loanfactory.adapters.batch import StoredServicing, run_eod_dask
from loanfactory.adapters.sql import SqlStore, make_engine, upgrade
from loanfactory.audit import verify_chain
from loanfactory.entity import CST
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.servicing import EodRun, LoanRange, RunStatus, Servicing, split_agenda
from loanfactory.testing import FixedClock
from loanfactory.testing.stored_book import PROFILES, Template, make_templates, write_copies

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 6, 30)
DAYS = 4
LOANS = 3 * len(PROFILES)
pytestmark = pytest.mark.postgres

# what is not the book's content: where a row sits in an append log, random ids, wall-clock times
_AUTO = {"position", "sequence", "seq", "created_at", "updated_at"}
_RANDOM = re.compile(r"\b[a-z]+_[0-9a-f]{32}\b")
_TABLES = (
    "ledger_entries",
    "outbox",
    "events",
    "gl_journals",
    "gl_lines",
    "gl_turnover",
    "gl_loans",
    "loan_states",  # where the store keeps each loan's state beside its ledger
)
_KINDS = ("loan", "collection_task", "debit_order", "risk_signal", "risk_warning", "negotiated_plan")


@pytest.fixture(scope="module")
def templates() -> list[Template]:
    return make_templates(DAY, len(PROFILES), seed=3)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as local,
        distributed.Client(local) as client,
    ):
        yield client


@pytest.fixture
def new_book(pg_server: str, templates: list[Template]) -> Iterator[Any]:
    names: list[str] = []

    def make() -> str:
        name = f"lf_dask_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(pg_server, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        url = make_url(pg_server).set(drivername="postgresql+psycopg", database=name)
        rendered = url.render_as_string(hide_password=False)
        engine = make_engine(rendered)
        upgrade(engine)
        engine.dispose()
        store = SqlStore(rendered, cipher=None)
        write_copies(store, templates, LOANS, DAY, chunk=7)
        store.dispose()
        return rendered

    yield make
    with psycopg.connect(pg_server, autocommit=True) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _recipe(url: str, day: date) -> StoredServicing:
    clock = FixedClock(datetime.combine(day, time(23, 0), tzinfo=CST))
    return StoredServicing(url=url, products=ROOT / "products", clock=clock)


def _with_books(servicing: Servicing) -> Servicing:
    servicing.day_steps = (GeneralLedger(servicing.store, clock=servicing.clock),)
    return servicing


def _single(url: str, day: date) -> EodRun:
    with _recipe(url, day).open() as servicing:
        return _with_books(servicing).run_eod(day)


def _dask(url: str, day: date, client: Any, partitions: int = 3) -> EodRun:
    recipe = _recipe(url, day)
    with recipe.open() as servicing:
        return run_eod_dask(_with_books(servicing), day, recipe.open, client=client, partitions=partitions)


def _plain(value: Any) -> str:
    return _RANDOM.sub("<id>", repr(value))


def _content(url: str) -> dict[str, list[str]]:
    """Every table the end of day writes, as sorted rows without log positions or random ids."""
    store = SqlStore(url, cipher=None)
    tables = [*_TABLES, *(store.mappings.for_kind(k).table.name for k in _kinds(store))]
    found: dict[str, list[str]] = {}
    try:
        with store.engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            for table in (t for t in tables if t in present):
                rows = connection.execute(text(f"SELECT * FROM {table}")).mappings().all()
                found[table] = sorted(
                    _plain({k: v for k, v in sorted(row.items()) if k not in _AUTO}) for row in rows
                )
    finally:
        store.dispose()
    return found


def _kinds(store: SqlStore) -> list[type[Any]]:
    from loanfactory.servicing import ENTITIES

    return [e for e in ENTITIES if e.kind in _KINDS]


def _figures(run: EodRun) -> tuple[Any, ...]:
    steps = tuple((s.name, s.loans, s.postings, s.status) for s in run.steps)
    return (run.status, run.agenda, steps, run.totals)


def _audit_intact(url: str) -> int:
    store = SqlStore(url, cipher=None)
    try:
        with store.transaction() as tx:
            records = tx.audit.records()
        assert verify_chain(records, head=store.audit_head()) is None
        return len(records)
    finally:
        store.dispose()


def test_a_book_run_in_ranges_on_dask_is_the_single_run_to_the_fen(new_book: Any, cluster: Any) -> None:
    single, spread = new_book(), new_book()
    for offset in range(DAYS):
        day = DAY + timedelta(days=offset)
        one = _single(single, day)
        many = _dask(spread, day, cluster, partitions=2 + offset)  # other ranges every day
        assert _figures(many) == _figures(one), day
        assert one.agenda > 0
    expected, got = _content(single), _content(spread)
    assert sum(len(rows) for rows in expected.values()) > 0
    assert len(expected["ledger_entries"]) > LOANS
    for table in expected:
        assert got[table] == expected[table], table
    assert _audit_intact(spread) == _audit_intact(single)


def test_a_range_that_crashed_midway_resumes_with_nothing_doubled(new_book: Any, cluster: Any) -> None:
    single, spread = new_book(), new_book()
    _single(single, DAY)
    recipe = _recipe(spread, DAY)
    with recipe.open() as servicing:
        run = servicing.open_eod(DAY)
        ranges = split_agenda(servicing.eod_agenda(DAY), 2)

        def crash(i: int) -> None:
            if i == 5:
                raise RuntimeError("worker lost")

        servicing.config.eod_batch = 3
        with pytest.raises(RuntimeError):  # a worker dies in its range's second batch
            servicing.run_eod_range(DAY, ranges[1], before_loan=crash)
        with servicing.store.transaction() as tx:
            half = tx.repo(EodRun).get(run.id)
        assert half.status is RunStatus.running
        assert list(half.parts) == [ranges[1].key]  # its first batch is checkpointed
    done = _dask(spread, DAY, cluster, partitions=3)  # run again, planned otherwise
    assert _figures(done) == _figures(_single(single, DAY))  # a completed date: the same record
    assert _content(spread) == _content(single)
    assert _dask(spread, DAY, cluster) == done  # a completed date changes nothing


def test_a_range_needs_an_open_run_and_ranges_cover_every_id() -> None:
    ranges = split_agenda(["b", "d", "f", "h", "k"], 2)
    assert ranges == [LoanRange(None, "d"), LoanRange("d", None)]
    assert all(sum(i in r for r in ranges) == 1 for i in ("a", "b", "c", "d", "e", "z"))
    assert split_agenda([], 4) == [LoanRange(None, None)]
    assert len(split_agenda(["a", "b"], 9)) == 2
    assert LoanRange.from_key(ranges[1].key) == ranges[1]
    with pytest.raises(InvalidInput):
        split_agenda(["a"], 0)
    with pytest.raises(InvalidInput):
        LoanRange("d", "b")


def test_a_range_of_a_date_not_opened_is_refused(new_book: Any) -> None:
    url = new_book()
    with _recipe(url, DAY).open() as servicing, pytest.raises(StateConflict):
        servicing.run_eod_range(DAY, LoanRange())


def test_the_command_runs_a_date_on_a_cluster_by_its_scheduler_address(new_book: Any, cluster: Any) -> None:
    import json

    from click.testing import CliRunner

    from loanfactory.cli import cli

    single, spread = new_book(), new_book()
    one = _single(single, DAY)
    args = ["eod", "--date", DAY.isoformat(), "--products", str(ROOT / "products"), "--allow-gap", "-q"]
    address = cluster.scheduler.address
    result = CliRunner().invoke(
        cli, [*args, "--db", spread, "--dask", address, "--partitions", "3", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["status"] == "completed"
    assert figures["agenda"] == one.agenda
    assert figures["steps"]["accrue"] == {
        "loans": one.step("accrue").loans,
        "records": one.step("accrue").postings,
    }
    ledger = _content(spread)["ledger_entries"]
    assert len(ledger) == len(_content(single)["ledger_entries"])


@pytest.mark.parametrize(
    "extra",
    [
        ["--partitions", "2"],
        ["--dask", "local:0"],
        ["--dask", "local:two"],
        ["--dask", "local:2", "--partitions", "0"],
    ],
)
def test_the_command_refuses_a_malformed_cluster_request(extra: list[str], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from loanfactory.cli import cli

    db = f"sqlite:///{tmp_path / 'book.db'}"
    result = CliRunner().invoke(cli, ["eod", "--date", DAY.isoformat(), "--db", db, *extra])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "book.db").exists()  # refused before anything was opened


def test_the_page_example_runs(
    new_book: Any, cluster: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if date.today() < DAY:  # the example runs on the system clock
        pytest.skip("the book date is after today")
    single, spread = new_book(), new_book()
    one = _single(single, DAY)
    page = ROOT / "docs" / "batch.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    monkeypatch.chdir(ROOT)
    namespace = {"DATABASE_URL": spread, "SCHEDULER": cluster.scheduler.address}
    exec(compile(blocks[0], str(page), "exec"), namespace)
    status, agenda, postings = capsys.readouterr().out.split()
    assert (status, int(agenda), int(postings)) == ("completed", one.agenda, one.step("accrue").postings)

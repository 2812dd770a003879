"""Store fixtures: the same tests run on the memory store, SQLite and PostgreSQL.

``new_store(**options)`` makes a fresh, empty, migrated store of the parametrised backend; SQL
databases are copied from a template migrated once per session (a file copy for SQLite,
``CREATE DATABASE ... TEMPLATE`` for PostgreSQL) and dropped at the end of the test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url
from store_entities import TEST_METADATA, all_mappings

from loanfactory.adapters.sql import SqlStore, make_engine, upgrade
from loanfactory.entity import CST
from loanfactory.ports import Store
from loanfactory.testing import FixedClock, MemoryStore

START = datetime(2024, 3, 1, 9, 0, tzinfo=CST)
NewStore = Callable[..., Any]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _migrate(url: str) -> None:
    engine = make_engine(url, foreign_keys=False)
    try:
        upgrade(engine)
        TEST_METADATA.create_all(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


def _pg_admin(server: str) -> psycopg.Connection[Any]:
    return psycopg.connect(server, autocommit=True)


def _pg_url(server: str, database: str) -> str:
    return (
        make_url(server)
        .set(drivername="postgresql+psycopg", database=database)
        .render_as_string(hide_password=False)
    )


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> Iterator[str]:
    name = f"lf_tpl_{_worker()}_{uuid.uuid4().hex[:8]}"
    with _pg_admin(pg_server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    _migrate(_pg_url(pg_server, name))
    yield name
    with _pg_admin(pg_server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Databases:
    """Fresh databases for one test, removed at its end."""

    def __init__(self, request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> None:
        self.request = request
        self.backend = backend
        self.tmp_path = tmp_path
        self.stores: list[SqlStore] = []
        self.pg_databases: list[str] = []

    def url(self) -> str:
        """A new empty migrated database (SQL backends)."""
        if self.backend == "sqlite":
            template: Path = self.request.getfixturevalue("sqlite_template")
            path = self.tmp_path / f"store-{uuid.uuid4().hex[:8]}.db"
            shutil.copyfile(template, path)
            return f"sqlite:///{path}"
        server: str = self.request.getfixturevalue("pg_server")
        template_name: str = self.request.getfixturevalue("pg_template")
        name = f"lf_t_{_worker()}_{uuid.uuid4().hex[:10]}"
        with _pg_admin(server) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
        self.pg_databases.append(name)
        return _pg_url(server, name)

    def store(self, url: str | None = None, **options: Any) -> Store:
        if self.backend == "memory":
            return MemoryStore()
        options.setdefault("mappings", all_mappings())
        options.setdefault("clock", FixedClock(START))
        options.setdefault("cipher", None)
        store = SqlStore(url or self.url(), **options)
        self.stores.append(store)
        return store

    def close(self) -> None:
        for store in self.stores:
            store.dispose()
        if self.pg_databases:
            server: str = self.request.getfixturevalue("pg_server")
            with _pg_admin(server) as admin:
                for name in self.pg_databases:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _backend_params(names: list[str]) -> list[Any]:
    return [pytest.param(n, marks=[pytest.mark.postgres] if n == "postgres" else []) for n in names]


@pytest.fixture(params=_backend_params(["memory", "sqlite", "postgres"]))
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Databases]:
    dbs = Databases(request, request.param, tmp_path)
    yield dbs
    dbs.close()


@pytest.fixture(params=_backend_params(["sqlite", "postgres"]))
def sql_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Databases]:
    dbs = Databases(request, request.param, tmp_path)
    yield dbs
    dbs.close()


@pytest.fixture
def pg_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Databases]:
    dbs = Databases(request, "postgres", tmp_path)
    yield dbs
    dbs.close()


@pytest.fixture
def store(databases: Databases) -> Store:
    return databases.store()


@pytest.fixture
def new_store(databases: Databases) -> NewStore:
    return databases.store


@pytest.fixture
def sql_store(sql_databases: Databases) -> SqlStore:
    made = sql_databases.store()
    assert isinstance(made, SqlStore)
    return made

"""Store fixtures: the same tests run on the memory store, SQLite and PostgreSQL.

``new_store(**options)`` makes a fresh, empty, migrated store of the parametrised backend; SQL
databases are copied from a template migrated once per session (a file copy for SQLite,
``CREATE DATABASE ... TEMPLATE`` for PostgreSQL) and dropped at the end of the test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from store_support import START, Databases, NewStore, _migrate, _pg_admin, _pg_url, _worker

from loanfactory.adapters.sql import SqlStore
from loanfactory.ports import Store

__all__ = ["START", "Databases"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> Iterator[str]:
    name = f"lf_tpl_{_worker()}_{uuid.uuid4().hex[:8]}"
    with _pg_admin(pg_server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    _migrate(_pg_url(pg_server, name))
    yield name
    with _pg_admin(pg_server) as admin:
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

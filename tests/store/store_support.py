"""Shared helpers of the store tests: fresh databases per test on each backend.

Kept out of ``conftest.py`` so that test modules can import them by a name no other test folder
uses (several folders have a ``conftest``).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
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


def _pg_admin(server: str) -> psycopg.Connection[Any]:
    return psycopg.connect(server, autocommit=True)


def _pg_url(server: str, database: str) -> str:
    return (
        make_url(server)
        .set(drivername="postgresql+psycopg", database=database)
        .render_as_string(hide_password=False)
    )


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

"""The seeded book, built once per worker on the memory store and copied to SQLite and PostgreSQL."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report_book import Book, build_book, copy_book

from loanfactory.adapters.sql import SqlStore


@pytest.fixture(scope="session")
def book() -> Book:
    return build_book()


@pytest.fixture(scope="session")
def products(book: Book) -> dict[str, Any]:
    return {code: p.spec for code, p in book.lender.products.products.items()}


@pytest.fixture(scope="session")
def sqlite_book(book: Book, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    path = tmp_path_factory.mktemp("report-book") / "book.db"
    store = SqlStore(f"sqlite:///{path}", cipher=None)
    copy_book(book.store, store)
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def pg_book(book: Book, pg_server: str) -> Iterator[SqlStore]:
    name = f"lf_reports_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(pg_server).set(drivername="postgresql+psycopg", database=name)
    store = SqlStore(url.render_as_string(hide_password=False), cipher=None, migrate=True)
    copy_book(book.store, store)
    yield store
    store.dispose()
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

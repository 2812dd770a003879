"""Fixtures of the accounting tests: empty migrated SQL databases (SQLite, PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from books_world import SqlUrl
from sqlalchemy.engine import make_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlUrl]:
    """Makes URLs of new empty databases of the parametrised backend (dropped at the end)."""
    made: list[str] = []

    def new() -> str:
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / f'books-{uuid.uuid4().hex[:8]}.db'}"
        import psycopg

        server: str = request.getfixturevalue("pg_server")
        name = f"lf_gl_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return make_url(server).set(drivername="postgresql+psycopg", database=name).render_as_string(False)

    yield new
    if made:
        import psycopg

        server = request.getfixturevalue("pg_server")
        with psycopg.connect(server, autocommit=True) as admin:
            for name in made:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

"""Fixtures of the payment tests: keys, the gateway process, and a store on SQLite or PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from payment_support import GatewayProcess, Keys
from sqlalchemy.engine import make_url


@pytest.fixture
def keys() -> Keys:
    return Keys()


@pytest.fixture
def gateway(keys: Keys, tmp_path: Path) -> Iterator[GatewayProcess]:
    process = GatewayProcess(keys, tmp_path / "gateway.log")
    yield process
    process.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh database on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lender.db'}"
        return
    server: str = request.getfixturevalue("pg_server")
    name = f"lf_pay_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield (
        make_url(server)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

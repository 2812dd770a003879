"""Migrations: every entity kind has a table, the tables match the migrations (``alembic check``),
and a database upgrades from nothing, downgrades and upgrades again on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Integer, MetaData, String, inspect
from store_support import Databases

import loanfactory
from loanfactory.adapters.sql import SqlStore, check, current, default_mappings, head, make_engine, upgrade
from loanfactory.adapters.sql._migrate import alembic_config
from loanfactory.entity import Entity
from loanfactory.errors import StateConflict


def _package_entities() -> list[type[Entity]]:
    for info in pkgutil.walk_packages(loanfactory.__path__, "loanfactory."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found: list[type[Entity]] = []
    pending = list(Entity.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("loanfactory.") and cls.kind != Entity.kind:
            found.append(cls)
    return sorted(set(found), key=lambda c: c.kind)


def test_every_entity_kind_in_the_package_has_a_table() -> None:
    mappings = default_mappings()
    entities = _package_entities()
    assert entities, "no Entity subclasses found: the scan is broken"
    missing = [f"{c.__module__}.{c.__name__} (kind '{c.kind}')" for c in entities if c not in mappings]
    assert not missing, (
        "map these in loanfactory/adapters/sql/_entities.py and add a migration: " + ", ".join(missing)
    )


def test_every_mapping_indexes_what_its_entity_declares() -> None:
    for mapping in default_mappings():
        columns = set(mapping.table.c.keys())
        for attribute in mapping.entity.indexes:
            assert attribute.replace(".", "__") in columns or attribute == "id", (mapping.kind, attribute)
            assert mapping.table.c[attribute.replace(".", "__")].index, (mapping.kind, attribute)


def test_a_fresh_database_migrates_to_head_and_matches_the_models(
    sql_databases: Databases, tmp_path: Path
) -> None:
    url = _empty_url(sql_databases, tmp_path)
    engine = make_engine(url)
    try:
        assert current(engine) is None
        upgrade(engine)
        upgrade(engine)  # a second upgrade is a no-op
        assert current(engine) == head()
        assert check(engine) == []  # alembic check: no drift between models and migrations
        with engine.begin() as connection:  # the real alembic command as well
            command.check(alembic_config(connection))
    finally:
        engine.dispose()


def test_migrations_go_down_to_nothing_and_up_again(sql_databases: Databases, tmp_path: Path) -> None:
    url = _empty_url(sql_databases, tmp_path)
    engine = make_engine(url, foreign_keys=False)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert check(engine) == []
    finally:
        engine.dispose()


def test_drift_is_reported(sql_databases: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = _empty_url(sql_databases, tmp_path)
    engine = make_engine(url)
    try:
        upgrade(engine)
        from loanfactory.adapters.sql import _migrate
        from loanfactory.adapters.sql._schema import metadata

        drifted = MetaData(naming_convention=metadata.naming_convention)
        for table in metadata.tables.values():
            table.to_metadata(drifted)
        from sqlalchemy import Column, Table

        Table("surprise", drifted, Column("id", Integer, primary_key=True), Column("x", String(5)))
        monkeypatch.setattr(_migrate, "target_metadata", lambda: drifted)
        problems = check(engine)
        assert problems
        assert "surprise" in problems[0]
    finally:
        engine.dispose()


def test_an_old_postgresql_schema_is_refused_with_the_command_to_run(
    sql_databases: Databases, tmp_path: Path
) -> None:
    url = _empty_url(sql_databases, tmp_path)
    if url.startswith("sqlite"):
        store = SqlStore(url, cipher=None)  # SQLite: migrated on open, no set-up
        assert current(store.engine) == head()
        store.dispose()
        return
    with pytest.raises(StateConflict) as refused:
        SqlStore(url, cipher=None)
    assert "loanfactory db upgrade" in refused.value.message


def _empty_url(dbs: Databases, tmp_path: Path) -> str:
    if dbs.backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    import uuid

    import psycopg

    server: str = dbs.request.getfixturevalue("pg_server")
    name = f"lf_empty_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    dbs.pg_databases.append(name)
    from sqlalchemy.engine import make_url

    return (
        make_url(server)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )

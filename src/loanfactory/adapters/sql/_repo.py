"""The generic repository: versioned entities of one kind in their typed table.

``update`` is a compare-and-set on the version column (``UPDATE ... WHERE id = :id AND version =
:read``): a writer that read an older version changes nothing and gets
:class:`~loanfactory.ports.ConcurrentUpdate`. ``lock`` reads with ``FOR UPDATE`` on PostgreSQL, so
two writers of one credit line queue instead of retrying; on SQLite the whole transaction
already holds the write lock.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, Table, Update, bindparam, select, update

from loanfactory.adapters.sql._mapping import EntityMapping
from loanfactory.audit import is_audited
from loanfactory.entity import Entity
from loanfactory.errors import InvalidInput, NotFound, StateConflict
from loanfactory.ports import ConcurrentUpdate

if TYPE_CHECKING:
    from loanfactory.adapters.sql._store import SqlTransaction


@dataclass(frozen=True, slots=True)
class _Statements:
    """The statements of one table, built once: building a statement with its values inlined
    costs more than running it on SQLite, so the values are bound when it is executed."""

    find: Select[Any]
    lock: Select[Any]
    update: Update  # SET from the parameters given; WHERE id = :b_id AND version = :b_version
    version: Select[Any]


@functools.cache
def _statements(table: Table) -> _Statements:
    find = select(table.c.version, table.c.body).where(table.c.id == bindparam("b_id"))
    return _Statements(
        find=find,
        lock=find.with_for_update(),
        update=update(table).where(
            table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version")
        ),
        version=select(table.c.version).where(table.c.id == bindparam("b_id")),
    )


class SqlRepository:
    """:class:`loanfactory.ports.Repository` over one entity table."""

    def __init__(self, tx: SqlTransaction, mapping: EntityMapping) -> None:
        self._tx = tx
        self._mapping = mapping
        self._table = mapping.table
        self._sql = _statements(mapping.table)
        self._audited = is_audited(mapping.entity)  # changes are chained at commit (loanfactory.audit)

    def __repr__(self) -> str:
        return f"SqlRepository({self._mapping.kind!r})"

    def find(self, id: str) -> Entity | None:
        kept = self._tx.kept.get((self._mapping.kind, id))  # read or written in this transaction
        if kept is not None:
            return kept
        found = self._one(self._sql.find, id)
        return None if found is None else self._keep(found)

    def get(self, id: str) -> Entity:
        found = self.find(id)
        if found is None:
            raise _not_found(self._mapping.kind, id)
        return found

    def lock(self, id: str) -> Entity:
        if self._tx.dialect != "postgresql":  # the transaction holds SQLite's write lock already
            found = self.find(id)
        else:  # the row lock is taken by the statement, so it always runs
            found = self._one(self._sql.lock, id)
            if found is not None:
                self._keep(found)
        if found is None:
            raise _not_found(self._mapping.kind, id)
        return found

    def add(self, entity: Entity) -> Entity:
        self._check_type(entity)
        stored = entity.model_copy(update={"version": 1})
        now = self._tx.now()
        values = {
            "id": entity.id,
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "body": self._mapping.dump(stored, self._tx.cipher),
            **self._mapping.typed_values(stored, self._tx.cipher),
        }
        if not self._tx.insert_new(self._table, values):
            raise StateConflict(
                f"{self._mapping.kind} '{entity.id}' already exists",
                field="id",
                message_zh=f"{self._mapping.kind} '{entity.id}' 已存在",
            )
        if self._audited:
            self._tx.chain_state(None, stored)
        return self._keep(stored)

    def update(self, entity: Entity) -> Entity:
        self._check_type(entity)
        before = self._before(entity) if self._audited else None
        stored = entity.model_copy(update={"version": entity.version + 1})
        values = {
            "b_id": entity.id,
            "b_version": entity.version,
            "version": stored.version,
            "updated_at": self._tx.now(),
            "body": self._mapping.dump(stored, self._tx.cipher),
            **self._mapping.typed_values(stored, self._tx.cipher),
        }
        connection = self._tx.connection
        if connection.execute(self._sql.update, values).rowcount == 1:
            if self._audited:
                self._tx.chain_state(before, stored)
            return self._keep(stored)
        self._tx.kept.pop((self._mapping.kind, entity.id), None)
        current = connection.execute(self._sql.version, {"b_id": entity.id}).scalar()
        if current is None:
            raise _not_found(self._mapping.kind, entity.id)
        raise ConcurrentUpdate(
            f"{self._mapping.kind} '{entity.id}' changed (read at version {entity.version}, now {current})"
        )

    def ids(self, **where: Any) -> list[str]:
        query = self._select(where, self._table.c.id).order_by(None)  # no sort: the index alone
        return list(self._tx.connection.execute(query).scalars())

    def list(self, **where: Any) -> list[Entity]:
        rows = self._tx.connection.execute(self._select(where, self._table.c.version, self._table.c.body))
        return [self._loaded(row.body, row.version) for row in rows.all()]

    def _select(self, where: dict[str, Any], *columns: Any) -> Select[Any]:
        table = self._table
        query = select(*columns)
        for key, value in where.items():
            if key == "id":
                query = query.where(table.c.id == value)
                continue
            if key not in self._mapping.entity.indexes:
                raise InvalidInput(
                    f"{self._mapping.kind} is not indexed by '{key}'",
                    field=key,
                    message_zh=f"{self._mapping.kind} 没有按 '{key}' 建索引",
                )
            column = self._mapping.column(key)
            stored = self._mapping.query_values(column, value, self._tx.cipher)
            sql_column = table.c[column.name]
            if len(stored) > 1:  # personal data under several keys during a rotation
                query = query.where(sql_column.in_(stored))
            else:
                query = query.where(sql_column.is_(None) if stored[0] is None else sql_column == stored[0])
        order = table.c.id.collate("C") if self._tx.dialect == "postgresql" else table.c.id
        return query.order_by(order)

    def _keep(self, entity: Entity) -> Entity:
        """Keep ``entity`` as this transaction's copy: later finds of its id do not read it again
        (entities are frozen; every write in the transaction goes through this repository)."""
        self._tx.kept[(self._mapping.kind, entity.id)] = entity
        return entity

    def _one(self, query: Select[Any], id: str) -> Entity | None:
        row = self._tx.connection.execute(query, {"b_id": id}).first()
        if row is None:
            return None
        return self._loaded(row.body, row.version)

    def _loaded(self, body: Any, version: int) -> Entity:
        entity = self._mapping.load(body, version, self._tx.cipher)
        if self._audited:
            self._tx.saw(entity)
        return entity

    def _before(self, entity: Entity) -> Entity | None:
        """The stored money record an update replaces (as first read in this transaction)."""
        seen = self._tx.seen(self._mapping.kind, entity.id)
        if seen is not None and seen.version <= entity.version:
            return seen
        return self._one(self._sql.find, entity.id)

    def _check_type(self, entity: Entity) -> None:
        if not isinstance(entity, self._mapping.entity):
            raise TypeError(f"expected {self._mapping.entity.__name__}, got {type(entity).__name__}")


def _not_found(kind: str, id: str) -> NotFound:
    return NotFound(f"no {kind} with id '{id}'", field="id", message_zh=f"找不到编号为 '{id}' 的 {kind}")

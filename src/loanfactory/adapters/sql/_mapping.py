"""How an entity kind maps onto its table: one typed table per kind.

Every entity table has ``id``, ``version`` (the optimistic lock), ``created_at``/``updated_at``,
the whole entity as exact JSON in ``body``, and a typed column for each indexed attribute
(``Entity.indexes``) and each declared key money field. The body is what is read back, so fields
without a column round-trip exactly; the typed columns serve look-ups, sums and constraints.
A new entity kind needs one :func:`map_entity` call and a migration::

    CUSTOMERS = map_entity(Customer, pii=("id_number", "phone"))
    LINES = map_entity(CreditLine, columns={"limit": ExactDecimal(2), "occupied": ExactDecimal(2)})

Column types come from the field annotations (str, int, bool, date, datetime, StrEnum, Money);
anything else is named explicitly in ``columns``. Dotted attributes (``applicant.id_number``)
index nested values; their column is ``applicant__id_number``.
"""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Union

from pydantic import BaseModel
from sqlalchemy import JSON, BigInteger, Boolean, Column, Date, Integer, MetaData, String, Table
from sqlalchemy.types import TypeEngine

from loanfactory.adapters.sql._crypto import PiiCipher, refuse_sealed
from loanfactory.adapters.sql._schema import ID, Base
from loanfactory.adapters.sql._types import ExactDecimal, UtcDateTime, check_scale, decode, entity_body
from loanfactory.entity import Entity
from loanfactory.errors import InvalidInput
from loanfactory.money import Money


@dataclass(frozen=True, slots=True)
class TypedColumn:
    """A column holding the value at ``path`` of the entity (``pii``: stored as a keyed hash)."""

    name: str
    path: tuple[str, ...]
    pii: bool


@dataclass(frozen=True, slots=True)
class EntityMapping:
    """An entity class, its table and how attributes reach columns."""

    entity: type[Entity]
    table: Table
    columns: tuple[TypedColumn, ...]
    pii: tuple[tuple[str, ...], ...]

    @property
    def kind(self) -> str:
        return self.entity.kind

    def column(self, attribute: str) -> TypedColumn:
        name = attribute.replace(".", "__")
        for col in self.columns:
            if col.name == name:
                return col
        raise InvalidInput(
            f"{self.kind} is not indexed by '{attribute}'",
            field=attribute,
            message_zh=f"{self.kind} 没有按 '{attribute}' 建索引",
        )

    def typed_values(self, entity: Entity, cipher: PiiCipher | None) -> dict[str, Any]:
        values = {c.name: self.query_value(c, _follow(entity, c.path), cipher) for c in self.columns}
        for name, value in values.items():
            column_type = self.table.c[name].type
            if isinstance(column_type, ExactDecimal) and value is not None:
                check_scale(value, column_type.scale, name)  # refused here, before any SQL runs
        return values

    def query_value(self, column: TypedColumn, value: Any, cipher: PiiCipher | None) -> Any:
        """What the column stores for ``value`` (a personal value: its keyed hash, newest key)."""
        if isinstance(value, enum.Enum):
            value = value.value
        if column.pii and cipher is not None and value is not None:
            return cipher.blind(str(value))
        return value

    def query_values(self, column: TypedColumn, value: Any, cipher: PiiCipher | None) -> tuple[Any, ...]:
        """What a look-up by ``value`` matches: a personal value's keyed hash under every key
        (rows written before a key rotation are still found), else the one stored value."""
        if column.pii and cipher is not None and value is not None:
            return cipher.blinds(str(value.value if isinstance(value, enum.Enum) else value))
        return (self.query_value(column, value, cipher),)

    def dump(self, entity: Entity, cipher: PiiCipher | None) -> dict[str, Any]:
        body = entity_body(entity)
        if cipher is not None:
            for path in self.pii:
                context = f"{self.kind}/{entity.id}/{'.'.join(path)}"
                body = _apply(body, path, functools.partial(_seal, cipher, context))
        return body

    def personal_values(self, body: dict[str, Any]) -> list[Any]:
        """The stored personal values of a body (sealed or, written before encryption, plain)."""
        found: list[Any] = []

        def keep(value: Any) -> Any:
            found.append(value)
            return value

        for path in self.pii:
            _apply(body, path, keep)
        return found

    def reseal(self, body: dict[str, Any], cipher: PiiCipher) -> dict[str, Any]:
        """``body`` with every personal value not yet under the cipher's newest key sealed again
        under it (plain values too): the rewrite of a key rotation."""
        for path in self.pii:
            context = f"{self.kind}/{body.get('id')}/{'.'.join(path)}"
            body = _apply(body, path, functools.partial(_reseal, cipher, context))
        return body

    def load(self, body: dict[str, Any], version: int, cipher: PiiCipher | None) -> Entity:
        for path in self.pii:
            context = f"{self.kind}/{body.get('id')}/{'.'.join(path)}"
            if cipher is not None:
                body = _apply(body, path, functools.partial(_unseal, cipher, context))
            else:
                body = _apply(body, path, functools.partial(_refuse, context))
        data = decode(body)
        data["version"] = version
        return self.entity.model_validate(data)


def map_entity(
    entity: type[Entity],
    *,
    table: str | None = None,
    columns: Mapping[str, TypeEngine[Any] | None] | None = None,
    pii: Iterable[str] = (),
    metadata: MetaData | None = None,
) -> EntityMapping:
    """Declare the table of ``entity`` (see the module docstring)."""
    if entity.kind == Entity.kind:
        raise InvalidInput(f"{entity.__name__} has no kind of its own", field="kind")
    pii_paths = tuple(tuple(p.split(".")) for p in pii)
    for path in pii_paths:
        _annotation(entity, path)  # a misspelt path would silently stay unencrypted
    wanted: dict[str, TypeEngine[Any] | None] = {a: None for a in entity.indexes if a != "id"}
    wanted.update(columns or {})
    typed: list[TypedColumn] = []
    sql_columns: list[Column[Any]] = []
    for attribute, given in wanted.items():
        path = tuple(attribute.split("."))
        annotation = _annotation(entity, path)
        is_pii = any(path[: len(p)] == p for p in pii_paths)
        sql_type = given if given is not None else _column_type(entity, attribute, annotation)
        if is_pii:
            sql_type = String(200)
        name = attribute.replace(".", "__")
        typed.append(TypedColumn(name, path, is_pii))
        nullable = len(path) > 1 or _optional(annotation)  # a nested value is absent with its parent
        sql_columns.append(Column(name, sql_type, nullable=nullable, index=attribute in entity.indexes))
    sql_table = Table(
        table or entity.kind,
        metadata if metadata is not None else Base.metadata,
        Column("id", ID, primary_key=True),
        Column("version", Integer, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("body", JSON, nullable=False),
        *sql_columns,
    )
    return EntityMapping(entity, sql_table, tuple(typed), pii_paths)


class EntityMappings:
    """An immutable set of mappings, by kind; ``with_`` adds an embedding application's own."""

    def __init__(self, mappings: Iterable[EntityMapping] = ()) -> None:
        self._by_kind: dict[str, EntityMapping] = {}
        for mapping in mappings:
            if mapping.kind in self._by_kind:
                raise InvalidInput(f"entity kind '{mapping.kind}' is mapped twice", field="kind")
            self._by_kind[mapping.kind] = mapping

    def with_(self, *mappings: EntityMapping) -> EntityMappings:
        return EntityMappings([*self._by_kind.values(), *mappings])

    def for_kind(self, entity: type[Entity]) -> EntityMapping:
        found = self._by_kind.get(entity.kind)
        if found is None:
            raise InvalidInput(
                f"no table for entity kind '{entity.kind}': declare it with map_entity() and add a migration",
                field="kind",
                message_zh=f"实体类型 '{entity.kind}' 没有数据表：请用 map_entity() 声明并添加迁移",
            )
        return found

    def __contains__(self, entity: object) -> bool:
        return isinstance(entity, type) and issubclass(entity, Entity) and entity.kind in self._by_kind

    def __iter__(self) -> Iterator[EntityMapping]:
        return iter(self._by_kind.values())

    def __len__(self) -> int:
        return len(self._by_kind)


def _follow(value: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if value is None:
            return None
        value = getattr(value, part)
    return value


def _annotation(entity: type[BaseModel], path: tuple[str, ...]) -> Any:
    model: Any = entity
    annotation: Any = None
    for i, part in enumerate(path):
        many = part.endswith("[]")
        name = part[:-2] if many else part
        fields = getattr(model, "model_fields", None)
        if not fields or name not in fields:
            raise InvalidInput(
                f"{entity.__name__} has no attribute '{'.'.join(path[: i + 1])}'", field=".".join(path)
            )
        info = fields[name]
        annotation = info.annotation
        if info.metadata:
            annotation = typing.Annotated[(annotation, *info.metadata)]
        model = _strip_optional(typing.get_args(annotation)[0] if _is_annotated(annotation) else annotation)
        if many:  # tuple[X, ...] or list[X]: walk into the item type
            model = annotation = _strip_optional(typing.get_args(model)[0])
    return annotation


def _is_annotated(annotation: Any) -> bool:
    return typing.get_origin(annotation) is typing.Annotated


def _strip_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _optional(annotation: Any) -> bool:
    base = typing.get_args(annotation)[0] if _is_annotated(annotation) else annotation
    return typing.get_origin(base) in (Union, types.UnionType) and type(None) in typing.get_args(base)


_MONEY_METADATA = typing.get_args(Money)[1:]


def _column_type(entity: type[Entity], attribute: str, annotation: Any) -> TypeEngine[Any]:
    metadata: tuple[Any, ...] = ()
    if _is_annotated(annotation):
        base, *rest = typing.get_args(annotation)
        metadata = tuple(rest)
    else:
        base = annotation
    base = _strip_optional(base)
    if _is_annotated(base):  # Optional[Money]
        base, *rest = typing.get_args(base)
        metadata = tuple(rest) + metadata
    if isinstance(base, type):
        if issubclass(base, enum.Enum):
            return String(40)
        if issubclass(base, bool):
            return Boolean()
        if issubclass(base, int):
            return BigInteger()
        if issubclass(base, str):
            return String(200)
        if issubclass(base, datetime):
            return UtcDateTime()
        if issubclass(base, date):
            return Date()
        if issubclass(base, Decimal) and all(m in metadata for m in _MONEY_METADATA):
            return ExactDecimal(2)
    raise InvalidInput(
        f"{entity.__name__}.{attribute}: cannot choose a column type for {annotation!r}; "
        "name one in map_entity(columns=...)",
        field=attribute,
    )


def _seal(cipher: PiiCipher, context: str, value: Any) -> Any:
    return cipher.encrypt(value, context)


def _unseal(cipher: PiiCipher, context: str, value: Any) -> Any:
    return cipher.decrypt(value, context)


def _reseal(cipher: PiiCipher, context: str, value: Any) -> Any:
    return value if cipher.is_current(value) else cipher.encrypt(cipher.decrypt(value, context), context)


def _refuse(context: str, value: Any) -> Any:
    return refuse_sealed(value, context)


def _apply(node: Any, path: tuple[str, ...], change: Callable[[Any], Any]) -> Any:
    """A copy of ``node`` with ``change`` applied at ``path`` (a ``name[]`` part walks a list)."""
    if not path:
        return None if node is None else change(node)
    if not isinstance(node, dict):
        return node
    part, rest = path[0], path[1:]
    many = part.endswith("[]")
    key = part[:-2] if many else part
    if key not in node:
        return node
    out = dict(node)
    if many and isinstance(node[key], list):
        out[key] = [_apply(item, rest, change) for item in node[key]]
    elif not many:
        out[key] = _apply(node[key], rest, change)
    return out

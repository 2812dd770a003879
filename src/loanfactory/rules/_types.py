"""Static types of rule expressions, read from the pydantic fact models.

A :class:`Type` says what an expression yields (number, text, date, list of models ...) and
whether it may be missing (``nullable``). Field types come from :mod:`loanfactory.facts`: the
annotations, ``Literal``/enum choices (so ``applicant.kind == "enterprize"`` is caught), and the
``ge``/``le`` bounds (used by the decision-table gap check).
"""

from __future__ import annotations

import enum
import types
import typing
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import BaseModel

Kind = typing.Literal["int", "decimal", "str", "bool", "date", "datetime", "list", "model", "any", "null"]


@dataclass(frozen=True, slots=True)
class Type:
    """The static type of an expression."""

    kind: Kind
    nullable: bool = False
    item: Type | None = None  # element type of a list
    model: type[BaseModel] | None = None  # fields of a model value
    choices: tuple[str, ...] | None = None  # allowed texts (Literal or enum)
    low: Decimal | None = None  # inclusive numeric bounds from the model (ge / le)
    high: Decimal | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "decimal")

    def maybe_missing(self) -> Type:
        return self if self.nullable else replace(self, nullable=True)

    def present(self) -> Type:
        return replace(self, nullable=False) if self.nullable else self

    def describe(self) -> str:
        if self.kind == "list" and self.item is not None:
            text = f"list of {self.item.describe()}"
        elif self.kind == "model" and self.model is not None:
            text = self.model.__name__
        elif self.kind == "decimal":
            text = "number"
        elif self.kind == "int":
            text = "whole number"
        elif self.kind == "str":
            text = "text"
        else:
            text = self.kind
        return text


INT = Type("int")
DECIMAL = Type("decimal")
STR = Type("str")
BOOL = Type("bool")
DATE = Type("date")
DATETIME = Type("datetime")
ANY = Type("any", nullable=True)
NULL = Type("null", nullable=True)


def comparable(a: Type, b: Type) -> bool:
    """Whether ``a < b`` (and ``==``) make sense for these types."""
    if "any" in (a.kind, b.kind) or "null" in (a.kind, b.kind):
        return True
    if a.numeric and b.numeric:
        return True
    return a.kind == b.kind and a.kind in ("str", "date", "datetime", "bool")


def ordered(a: Type) -> bool:
    """Whether values of this type can be ordered with ``<``."""
    return a.numeric or a.kind in ("str", "date", "datetime", "any")


def numeric_result(a: Type, b: Type) -> Type:
    kind: Kind = "int" if a.kind == "int" and b.kind == "int" else "decimal"
    if "any" in (a.kind, b.kind):
        kind = "decimal"
    return Type(kind, nullable=a.nullable or b.nullable)


def type_of_value(value: Any) -> Type:
    """The type of a literal or of a value found in ``vars``."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, Decimal):
        return DECIMAL
    if isinstance(value, str):
        return STR
    if isinstance(value, datetime):
        return DATETIME
    if isinstance(value, date):
        return DATE
    if isinstance(value, list | tuple):
        items = {type_of_value(v).kind for v in value}
        item = type_of_value(value[0]) if len(items) == 1 else ANY
        return Type("list", item=item)
    return ANY


def _bounds(metadata: list[Any]) -> tuple[Decimal | None, Decimal | None]:
    low = high = None
    for meta in metadata:
        for attr, inclusive in (("ge", True), ("gt", False), ("le", True), ("lt", False)):
            value = getattr(meta, attr, None)
            if value is None or isinstance(value, bool) or not isinstance(value, int | Decimal):
                continue
            if attr in ("ge", "gt"):
                low = Decimal(value) + (0 if inclusive else Decimal("1e-9"))
            else:
                high = Decimal(value) - (0 if inclusive else Decimal("1e-9"))
        inner = getattr(meta, "metadata", None)
        if isinstance(inner, list):
            more_low, more_high = _bounds(inner)
            low = more_low if more_low is not None else low
            high = more_high if more_high is not None else high
    return low, high


def type_of_annotation(annotation: Any, metadata: list[Any] | None = None) -> Type:
    """The :class:`Type` of a pydantic field annotation."""
    metadata = list(metadata or [])
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_of_annotation(args[0], [*metadata, *args[1:]])
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        inner = type_of_annotation(members[0], metadata) if len(members) == 1 else ANY
        return inner.maybe_missing() if len(members) < len(args) else inner
    if origin is typing.Literal:
        if all(isinstance(a, str) for a in args):
            return Type("str", choices=tuple(args))
        return ANY
    if origin in (list, tuple) or annotation in (list, tuple):
        item = type_of_annotation(args[0]) if args else ANY
        return Type("list", item=item)
    if origin is dict or annotation is dict:
        return ANY
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return Type("model", model=annotation)
        if issubclass(annotation, enum.Enum):
            return Type("str", choices=tuple(str(m.value) for m in annotation))
        if issubclass(annotation, bool):
            return BOOL
        if issubclass(annotation, int):
            low, high = _bounds(metadata)
            return Type("int", low=low, high=high)
        if issubclass(annotation, Decimal):
            low, high = _bounds(metadata)
            return Type("decimal", low=low, high=high)
        if issubclass(annotation, str):
            return STR
        if issubclass(annotation, datetime):
            return DATETIME
        if issubclass(annotation, date):
            return DATE
    return ANY


@cache
def fields_of(model: type[BaseModel]) -> dict[str, Type]:
    """Field name -> type for a fact model, computed fields included."""
    out: dict[str, Type] = {}
    for name, info in model.model_fields.items():
        out[name] = type_of_annotation(info.annotation, list(info.metadata))
    for name, computed in model.model_computed_fields.items():
        out[name] = type_of_annotation(computed.return_type)
    return out


@cache
def doc_of(model: type[BaseModel]) -> str:
    return (model.__doc__ or model.__name__).strip().splitlines()[0]

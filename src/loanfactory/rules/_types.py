"""Static types of rule expressions, read from the pydantic fact models.

A :class:`Type` says what an expression yields (number, text, date, time, duration, record,
list of models ...) and whether it may be missing (``nullable``). Field types come from
:mod:`loanfactory.facts`: the annotations, ``Literal``/enum choices (so
``applicant.kind == "enterprize"`` is caught), and the ``ge``/``le`` bounds (used by the
decision-table gap check).
"""

from __future__ import annotations

import enum
import types
import typing
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import BaseModel

Kind = typing.Literal[
    "int",
    "decimal",
    "str",
    "bool",
    "date",
    "datetime",
    "time",
    "duration",
    "ym_duration",
    "list",
    "record",
    "model",
    "any",
    "null",
]
TEMPORAL = ("date", "datetime", "time", "duration", "ym_duration")


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
    fields: tuple[tuple[str, Type], ...] | None = None  # fields of a record (None: not known)

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
        elif self.kind == "datetime":
            text = "date and time"
        elif self.kind == "duration":
            text = "duration (days and time)"
        elif self.kind == "ym_duration":
            text = "duration (years and months)"
        elif self.kind == "record" and self.fields is not None:
            text = "record {" + ", ".join(f"{n}: {t.describe()}" for n, t in self.fields) + "}"
        else:
            text = self.kind
        return text

    def field(self, name: str) -> Type | None:
        """The type of a record field (ANY when the record's fields are not known)."""
        if self.fields is None:
            return ANY
        return dict(self.fields).get(name)


INT = Type("int")
DECIMAL = Type("decimal")
STR = Type("str")
BOOL = Type("bool")
DATE = Type("date")
DATETIME = Type("datetime")
TIME = Type("time")
DURATION = Type("duration")
YM_DURATION = Type("ym_duration")
RECORD = Type("record")
ANY = Type("any", nullable=True)
NULL = Type("null", nullable=True)


def comparable(a: Type, b: Type) -> bool:
    """Whether ``a < b`` (and ``==``) make sense for these types."""
    if "any" in (a.kind, b.kind) or "null" in (a.kind, b.kind):
        return True
    if a.numeric and b.numeric:
        return True
    return a.kind == b.kind and a.kind in ("str", "bool", "list", "record", *TEMPORAL)


def ordered(a: Type) -> bool:
    """Whether values of this type can be ordered with ``<``."""
    return a.numeric or a.kind in ("str", "any", *TEMPORAL)


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
    if isinstance(value, time):
        return TIME
    if isinstance(value, timedelta):
        return DURATION
    if isinstance(value, list | tuple):
        items = {type_of_value(v).kind for v in value}
        item = type_of_value(value[0]) if len(items) == 1 else ANY
        return Type("list", item=item)
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return Type("record", fields=tuple((k, type_of_value(v)) for k, v in value.items()))
    from loanfactory.rules._temporal import YearsMonths

    if isinstance(value, YearsMonths):
        return YM_DURATION
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
        if issubclass(annotation, time):
            return TIME
        if issubclass(annotation, timedelta):
            return DURATION
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


_SHIFTS = {  # (left kind, right kind) -> result kind, for + and - of dates, times and durations
    ("date", "duration"): "date",
    ("date", "ym_duration"): "date",
    ("datetime", "duration"): "datetime",
    ("datetime", "ym_duration"): "datetime",
    ("time", "duration"): "time",
    ("duration", "duration"): "duration",
    ("ym_duration", "ym_duration"): "ym_duration",
}
_DIFFERENCES = {
    ("date", "date"): "duration",
    ("datetime", "datetime"): "duration",
    ("time", "time"): "duration",
}


def arith_type(op: str, a: Type, b: Type) -> Type | None:
    """The type of ``a <op> b`` (op one of ``+ - * / **``), or None when it makes no sense."""
    nullable = a.nullable or b.nullable
    ka, kb = a.kind, b.kind
    if "null" in (ka, kb):  # FEEL: anything combined with null is null
        other = b if ka == "null" else a
        return other.maybe_missing() if other.kind != "null" else Type("any", nullable=True)
    if (a.numeric or ka == "any") and (b.numeric or kb == "any"):
        if op in ("/", "**"):
            return DECIMAL.maybe_missing()
        return numeric_result(a, b)
    if op == "**":
        return None
    kind: str | None = None
    if op == "+":
        if ka in ("str", "any") and kb in ("str", "any"):
            return STR.maybe_missing()
        kind = _SHIFTS.get((ka, kb)) or _SHIFTS.get((kb, ka))
    elif op == "-":
        kind = _DIFFERENCES.get((ka, kb)) or _SHIFTS.get((ka, kb))
    elif op == "*":
        durations = ("duration", "ym_duration")
        if ka in durations and (b.numeric or kb == "any"):
            kind = ka
        elif kb in durations and (a.numeric or ka == "any"):
            kind = kb
    elif op == "/":
        if ka in ("duration", "ym_duration") and (b.numeric or kb == "any"):
            kind = ka
        elif ka == kb and ka in ("duration", "ym_duration"):
            return DECIMAL.maybe_missing()
    if kind is None:
        if "any" in (ka, kb) and op in ("+", "-"):
            return Type("any", nullable=True)
        return None
    result = Type(kind)  # type: ignore[arg-type]
    return result.maybe_missing() if nullable or kind in TEMPORAL else result

"""Walking the product language's types along a path.

Validation errors name a location such as ``("rate", "floating", "tenor")``: which model sits
there, which keys it takes, which values an enum allows, whether a value is a rate or an amount.
This module answers those questions from the pydantic models themselves, so that explanations
(did-you-mean over field names or enum values) and fragment sections never drift from the models.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

from loanfactory.money import Money, Rate, Spread
from loanfactory.spec._base import LocalizedText

PathPart = str | int

_RATE_VALIDATORS = (get_args(Rate)[1], get_args(Spread)[1])
_MONEY_VALIDATOR = get_args(Money)[1]


def strip(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    """``Annotated[X, m1, m2]`` -> ``(X, (m1, m2))`` (nested Annotated flattened)."""
    metadata: list[Any] = []
    while get_origin(tp) is Annotated:
        args = get_args(tp)
        metadata.extend(args[1:])
        tp = args[0]
    return tp, tuple(metadata)


def members(tp: Any) -> tuple[Any, ...]:
    """The non-None members of a union (``X | None`` -> ``(X,)``); ``(tp,)`` for other types."""
    base, _ = strip(tp)
    if get_origin(base) in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in get_args(base):
            if arg is not type(None):
                out.extend(
                    members(arg) if get_origin(strip(arg)[0]) in (typing.Union, types.UnionType) else (arg,)
                )
        return tuple(out)
    return (tp,)


def is_model(tp: Any) -> bool:
    base, _ = strip(tp)
    return isinstance(base, type) and issubclass(base, BaseModel)


def field_type(info: FieldInfo) -> Any:
    """A field's annotation with its metadata (and discriminator) put back, for a TypeAdapter."""
    extra: list[Any] = list(info.metadata)
    if info.discriminator is not None:
        extra.append(Field(discriminator=info.discriminator))
    if extra:
        return Annotated[(info.annotation, *extra)]
    return info.annotation


def model_field(model: type[BaseModel], key: str) -> FieldInfo | None:
    """The field written as ``key`` (its alias, or its name when it has none)."""
    for name, info in model.model_fields.items():
        if (info.alias or name) == key:
            return info
    return None


def keys_of(tp: Any) -> tuple[str, ...]:
    """The keys a mapping of type ``tp`` takes (over every model member of a union)."""
    keys: list[str] = []
    for member in members(tp):
        base, _ = strip(member)
        if is_model(base):
            for name, info in base.model_fields.items():
                key = info.alias or name
                if key not in keys:
                    keys.append(key)
    return tuple(keys)


def required_keys(tp: Any) -> tuple[str, ...]:
    base, _ = strip(members(tp)[0])
    if not is_model(base):
        return ()
    return tuple(info.alias or name for name, info in base.model_fields.items() if info.is_required())


def choices_of(tp: Any) -> tuple[str, ...]:
    """The values an enum or literal at ``tp`` allows (empty for other types)."""
    out: list[str] = []
    for member in members(tp):
        base, _ = strip(member)
        if isinstance(base, type) and issubclass(base, Enum):
            out.extend(str(m.value) for m in base)
        elif get_origin(base) is Literal:
            out.extend(str(a) for a in get_args(base))
    return tuple(out)


def tag_values(tp: Any, discriminator: str = "type") -> tuple[str, ...]:
    """The tags of a discriminated union of models (``fixed``, ``floating``)."""
    tags: list[str] = []
    for member in members(tp):
        base, _ = strip(member)
        if is_model(base) and discriminator in base.model_fields:
            tags.extend(choices_of(base.model_fields[discriminator].annotation))
    return tuple(tags)


def value_kind(tp: Any) -> str:
    """What a value at ``tp`` is, in a word used by messages.

    One of ``rate``, ``money``, ``bool``, ``int``, ``decimal``, ``date``, ``text``, ``list``,
    ``mapping``, ``choice`` or ``value``.
    """
    kinds = {_kind(member) for member in members(tp)}
    if len(kinds) == 1:
        return kinds.pop()
    if kinds == {"text", "mapping"}:
        return "text-or-mapping"
    return "value"


def _kind(tp: Any) -> str:
    base, metadata = strip(tp)
    if any(m in _RATE_VALIDATORS for m in metadata):
        return "rate"
    if _MONEY_VALIDATOR in metadata:
        return "money"
    origin = get_origin(base)
    if base is bool:
        return "bool"
    if base is int:
        return "int"
    if base is Decimal:
        return "decimal"
    if base in (date, datetime):
        return "date"
    if base is str:
        return "text"
    if choices_of(base):
        return "choice"
    if origin in (tuple, list) or base in (tuple, list):
        return "list"
    if origin is dict or base is dict or is_model(base):
        return "mapping"
    return "value"


@dataclass(frozen=True, slots=True)
class Walk:
    """Where a validation location leads: the data path and the type found there."""

    path: tuple[PathPart, ...]  # the location without union-member labels
    type: Any  # the type at the end (None when the location leaves the models)
    parent: Any  # the type of the container holding the last part
    union_at: tuple[PathPart, ...] | None  # where an untagged union's member label was skipped


def walk(root: Any, loc: tuple[PathPart, ...]) -> Walk:
    """Follow a pydantic error location from ``root`` (a model class or any annotation)."""
    tp: Any = root
    parent: Any = None
    path: list[PathPart] = []
    union_at: tuple[PathPart, ...] | None = None
    for part in loc:
        if tp is None:
            path.append(part)
            continue
        options = members(tp)
        if len(options) > 1:
            picked = _pick_member(options, part)
            if picked is not None:
                tp, is_label = picked
                if is_label and union_at is None:
                    union_at = tuple(path)
                continue
        parent = tp
        tp = _child(options, part)
        path.append(part)
    return Walk(tuple(path), tp, parent, union_at)


def _pick_member(options: tuple[Any, ...], part: PathPart) -> tuple[Any, bool] | None:
    """The union member that a location part names: a tag (``fixed``) or a label (``str``)."""
    if not isinstance(part, str):
        return None
    for member in options:
        base, _ = strip(member)
        if is_model(base):
            tag = base.model_fields.get("type")
            if tag is not None and part in choices_of(tag.annotation):
                return member, False
            if part == base.__name__:
                return member, True
    for member in options:
        base, _ = strip(member)
        label = _label(base)
        if label and (
            part == label
            or part.endswith("-" + label)
            or part.startswith((label + "[", "constrained-" + label))
        ):
            return member, True
    return None


def _label(base: Any) -> str | None:
    origin = get_origin(base) or base
    names = {
        str: "str",
        int: "int",
        bool: "bool",
        Decimal: "decimal",
        dict: "dict",
        list: "list",
        tuple: "tuple",
        date: "date",
    }
    return names.get(origin)


def _child(options: tuple[Any, ...], part: PathPart) -> Any:
    for member in options:
        base, _ = strip(member)
        origin = get_origin(base)
        if isinstance(part, int):
            if origin is tuple:
                args = get_args(base)
                if len(args) == 2 and args[1] is Ellipsis:
                    return args[0]
                if part < len(args):
                    return args[part]
            if origin is list:
                return get_args(base)[0]
            continue
        if is_model(base):
            info = model_field(base, part)
            if info is not None:
                return field_type(info)
        elif origin is dict:
            return get_args(base)[1]
    return None


def item_type(tp: Any) -> Any | None:
    """The item type of a list/tuple type (through ``| None``), or None."""
    return _child(members(tp), 0)


@cache
def section_types(root: type[BaseModel]) -> dict[str, Any]:
    """Every section of ``root`` that a fragment may fill: dotted path -> type.

    Sections are the fields whose values are models or lists of models (``penalty``, ``fees``,
    ``rate.table``, ``guarantee.collateral``...), found through unions.
    """
    found: dict[str, Any] = {}

    def visit(tp: Any, prefix: str, depth: int) -> None:
        if depth > 6:
            return
        for member in members(tp):
            base, _ = strip(member)
            if not is_model(base):
                continue
            for name, info in base.model_fields.items():
                key = info.alias or name
                child = field_type(info)
                holder = child
                item = item_type(child)
                if item is not None and is_model(item):
                    holder = item
                if not any(is_model(m) and strip(m)[0] is not LocalizedText for m in members(holder)):
                    continue
                dotted = f"{prefix}.{key}" if prefix else key
                found.setdefault(dotted, child)
                visit(holder, dotted, depth + 1)

    visit(root, "", 0)
    return found

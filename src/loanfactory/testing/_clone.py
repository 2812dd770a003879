"""Copies of frozen pydantic values that share every part that cannot change.

A stored value must not change when a caller mutates a dict inside the copy it was given (a
database returns fresh rows; the in-memory store must behave the same). ``model_copy(deep=True)``
copies everything, including the many frozen sub-models, tuples and Decimals that cannot change,
and was the main cost of the in-memory store. :func:`clone` copies only the fields whose type
may hold a mutable container (a dict, list or set, or ``Any``), found once per class.
"""

from __future__ import annotations

import copy
import types
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

_IMMUTABLE: tuple[type, ...] = (str, int, float, bool, bytes, Decimal, date, datetime, time, timedelta, Enum)


def clone(value: M) -> M:
    """``value`` with its mutable parts copied and everything else shared."""
    names = mutable_fields(type(value))
    if not names:
        return value
    return value.model_copy(update={name: _copy(getattr(value, name)) for name in names})


@cache
def mutable_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``cls`` whose values may be changed in place (conservative)."""
    if not cls.model_config.get("frozen"):
        return tuple(cls.model_fields)
    return tuple(name for name, info in cls.model_fields.items() if _may_change(info.annotation, ()))


def _may_change(tp: Any, seen: tuple[type, ...]) -> bool:
    if tp is None or tp is type(None):
        return False
    origin = get_origin(tp)
    if origin is Annotated:
        return _may_change(get_args(tp)[0], seen)
    if origin is Literal:
        return False
    if origin in (tuple, Union, types.UnionType, frozenset):
        return any(_may_change(arg, seen) for arg in get_args(tp) if arg is not Ellipsis)
    if origin is not None:  # dict, list, set, Mapping, Sequence ...: may be a mutable container
        return True
    if isinstance(tp, type):
        if issubclass(tp, BaseModel):
            if tp in seen:
                return True
            if not tp.model_config.get("frozen"):
                return True
            return any(_may_change(f.annotation, (*seen, tp)) for f in tp.model_fields.values())
        return not issubclass(tp, _IMMUTABLE)
    return True  # Any, TypeVars, forward references: assume the worst


def _copy(value: Any) -> Any:
    # plain JSON-like data (decision traces, payloads) is the common case: copy it directly,
    # without copy.deepcopy's memo bookkeeping; anything else falls back to deepcopy
    kind = type(value)
    if kind is dict:
        return {k: _copy(v) for k, v in value.items()}
    if kind is list:
        return [_copy(v) for v in value]
    if kind is tuple:
        return tuple(_copy(v) for v in value)
    if value is None or isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, BaseModel):
        return clone(value)
    return copy.deepcopy(value)

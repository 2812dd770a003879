"""What the checker knows of a library function (函数签名): arity, argument kinds, result.

The function library is split by domain (:mod:`._library` numbers and aggregates, :mod:`._text`,
:mod:`._lists`, :mod:`._temporal`); each module lists its :class:`Function` entries and the
callables generated code calls them by (``RUNTIME``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from loanfactory.rules._types import ANY, BOOL, DECIMAL, INT, STR, Type

MAX_TEXT_RUNTIME = 100_000
"""Text built while deciding (``+``, ``string``) longer than this becomes missing."""
MAX_ITEMS_RUNTIME = 10_000
"""Lists built while deciding (``append``, ``concatenate`` ...) longer than this become missing."""


@dataclass(frozen=True, slots=True)
class Function:
    """A library function: how many arguments, their kinds, the result, and whether a missing
    argument makes the result missing (``strict``: the generated code skips the call)."""

    name: str
    arity: tuple[int, int]  # min, max (-1: any)
    check: Callable[[list[Type]], Type | str]
    runtime: str  # name of the callable in generated code
    strict: bool = True
    summary: str = ""
    generator: bool = False  # may take one generator argument: f(x.v for x in xs if ...)


def numbers(types: list[Type]) -> Type | str:
    if not all(t.numeric or t.kind == "any" for t in types):
        return "expects numbers"
    return INT if all(t.kind == "int" for t in types) else DECIMAL


def one_number(types: list[Type]) -> Type | str:
    return numbers(types[:1])


def texts(result: Type) -> Callable[[list[Type]], Type | str]:
    def check(types: list[Type]) -> Type | str:
        return result if all(t.kind in ("str", "any", "null") for t in types) else "expects text"

    return check


def list_of(types: list[Type]) -> Type | None:
    """The item type of a list argument, or None when it is not a list."""
    only = types[0]
    if only.kind == "list":
        return only.item or ANY
    if only.kind == "any":
        return ANY
    return None


def is_text(t: Type) -> bool:
    return t.kind in ("str", "any", "null")


def boolean(types: list[Type]) -> Type:
    return BOOL


TEXT = STR

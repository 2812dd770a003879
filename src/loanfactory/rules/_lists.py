"""List functions of rule expressions (列表函数), after FEEL's list functions.

Positions are 1-based (``index_of([1, 2, 3, 2], 2)`` is ``[2, 4]``). Like ``sum``, the
aggregates ``mean``, ``median`` and ``product`` skip missing items; ``count`` counts every item.
Each of ``count mean median product distinct_values sort list`` also takes a generator, e.g.
``sort(c.value for c in collateral if c.first_lien)``. A list built while deciding that would
pass :data:`~._signature.MAX_ITEMS_RUNTIME` items is a missing value.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from loanfactory.rules._signature import MAX_ITEMS_RUNTIME, Function, list_of
from loanfactory.rules._types import ANY, BOOL, DECIMAL, INT, Type, ordered


def _bounded(items: list[Any]) -> tuple[Any, ...] | None:
    return tuple(items) if len(items) <= MAX_ITEMS_RUNTIME else None


def count(values: Iterable[Any]) -> int:
    return sum(1 for _ in values)


def mean(values: Iterable[Any]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return Decimal(sum(present)) / len(present) if present else None


def median(values: Iterable[Any]) -> Any:
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    middle = len(present) // 2
    if len(present) % 2:
        return present[middle]
    return (Decimal(present[middle - 1]) + Decimal(present[middle])) / 2


def product(values: Iterable[Any]) -> Any:
    present = [v for v in values if v is not None]
    if not present:
        return None
    total: Any = 1
    for v in present:
        total *= v
    return total


def distinct_values(values: Iterable[Any]) -> tuple[Any, ...]:
    out: list[Any] = []
    for v in values:
        if v not in out:
            out.append(v)
    return tuple(out)


def sort(values: Iterable[Any]) -> tuple[Any, ...] | None:
    """Ascending; missing items last."""
    items = list(values)
    present = [v for v in items if v is not None]
    try:
        return (*sorted(present), *([None] * (len(items) - len(present))))
    except TypeError:
        return None


def reverse(values: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(reversed(list(values)))


def to_list(values: Iterable[Any]) -> tuple[Any, ...] | None:
    return _bounded(list(values))


def append(values: Any, *items: Any) -> tuple[Any, ...] | None:
    if values is None:
        return None
    return _bounded([*values, *items])


def concatenate(*lists: Any) -> tuple[Any, ...] | None:
    if any(x is None for x in lists):
        return None
    return _bounded([v for x in lists for v in x])


def union(*lists: Any) -> tuple[Any, ...] | None:
    joined = concatenate(*lists)
    return None if joined is None else distinct_values(joined)


def index_of(values: Iterable[Any], match: Any) -> tuple[int, ...]:
    return tuple(i for i, v in enumerate(values, 1) if v == match)


def sublist(values: Any, start: Any, length: Any = None) -> tuple[Any, ...] | None:
    items = list(values)
    begin = int(start)
    if begin == 0 or abs(begin) > len(items):
        return None
    index = begin - 1 if begin > 0 else len(items) + begin
    if length is None:
        return tuple(items[index:])
    return tuple(items[index : index + int(length)]) if int(length) >= 0 else None


def list_contains(values: Iterable[Any], match: Any) -> bool:
    return match in tuple(values)


def _same(types: list[Type]) -> Type | str:
    item = list_of(types)
    return types[0].present() if item is not None else "expects a list"


def _sortable(types: list[Type]) -> Type | str:
    item = list_of(types)
    if item is None or not (ordered(item) or item.kind in ("null", "bool")):
        return "expects a list of numbers, texts or dates"
    return types[0].present()


def _numbers_of(result: Type | None) -> Any:
    def check(types: list[Type]) -> Type | str:
        item = list_of(types)
        if item is None or not (item.numeric or item.kind in ("any", "null")):
            return "expects a list of numbers"
        return (result or (INT if item.kind == "int" else DECIMAL)).maybe_missing()

    return check


def _count(types: list[Type]) -> Type | str:
    return INT if list_of(types) is not None else "expects a list"


def _extend(types: list[Type]) -> Type | str:
    if list_of(types) is None:
        return "expects a list first"
    return types[0].present()


def _lists(types: list[Type]) -> Type | str:
    items = [list_of([t]) for t in types]
    if any(i is None for i in items):
        return "expects lists"
    kinds = {i.kind for i in items if i is not None and i.kind not in ("any", "null")}
    if len(kinds) > 1:
        return "expects lists of one kind"
    return next((t.present() for t in types if t.item is not None and t.item.kind != "any"), types[0])


def _index_of(types: list[Type]) -> Type | str:
    return Type("list", item=INT) if list_of(types) is not None else "expects a list and a value"


def _sublist(types: list[Type]) -> Type | str:
    if list_of(types) is None or not all(t.numeric or t.kind == "any" for t in types[1:]):
        return "expects a list and whole-number positions"
    return types[0].maybe_missing()


def _contains(types: list[Type]) -> Type | str:
    return BOOL if list_of(types) is not None else "expects a list and a value"


def _list(types: list[Type]) -> Type | str:
    item = list_of(types)
    return Type("list", item=item or ANY) if item is not None else "expects a list"


FUNCTIONS = (
    Function("count", (1, 1), _count, "_count", summary="number of items", generator=True),
    Function(
        "mean", (1, 1), _numbers_of(DECIMAL), "_mean", summary="average, missing skipped", generator=True
    ),
    Function("median", (1, 1), _numbers_of(DECIMAL), "_median", summary="middle value", generator=True),
    Function("product", (1, 1), _numbers_of(None), "_product", summary="product of numbers", generator=True),
    Function(
        "distinct_values", (1, 1), _same, "_distinct_values", summary="duplicates removed", generator=True
    ),
    Function("sort", (1, 1), _sortable, "_sort", summary="ascending order", generator=True),
    Function("list", (1, 1), _list, "_to_list", summary="the items as a list", generator=True),
    Function("reverse", (1, 1), _same, "_reverse", summary="items in reverse order"),
    Function("append", (2, -1), _extend, "_append", strict=False, summary="the list with items added"),
    Function("concatenate", (2, -1), _lists, "_concatenate", strict=False, summary="lists joined"),
    Function("union", (2, -1), _lists, "_union", strict=False, summary="lists joined, duplicates removed"),
    Function("index_of", (2, 2), _index_of, "_index_of", summary="1-based positions of a value"),
    Function("sublist", (2, 3), _sublist, "_sublist", summary="part of a list, from a 1-based start"),
    Function("list_contains", (2, 2), _contains, "_list_contains", summary="whether the list holds a value"),
)

RUNTIME: dict[str, Any] = {
    "_count": count,
    "_mean": mean,
    "_median": median,
    "_product": product,
    "_distinct_values": distinct_values,
    "_sort": sort,
    "_to_list": to_list,
    "_reverse": reverse,
    "_append": append,
    "_concatenate": concatenate,
    "_union": union,
    "_index_of": index_of,
    "_sublist": sublist,
    "_list_contains": list_contains,
}

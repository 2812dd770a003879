"""A :class:`~loanfactory.reporting.Query` answered over rows in memory (the memory store's path).

It follows the meaning stated in :mod:`._query` point for point; the SQL store's answers to the same
query are checked against it on SQLite and PostgreSQL (``tests/reporting``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from loanfactory.reporting._query import Aggregate, Condition, Group, Query, Row

ZERO = Decimal(0)


def evaluate_query(query: Query, rows: Iterable[Mapping[str, Any]]) -> list[Row]:
    """Group and aggregate ``rows`` (dicts of the source's fields) as ``query`` asks."""
    date_field = query.date_field
    as_of = frozenset(query.as_of)
    states: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        if as_of and row.get("as_of") not in as_of:
            continue
        if date_field is not None and not _in_window(row.get(date_field), query.start, query.end):
            continue
        if not all(matches(c, row) for c in query.where):
            continue
        key = tuple(group_key(g, row) for g in query.groups)
        state = states.get(key)
        if state is None:
            state = states[key] = [_initial(a) for a in query.aggregates]
        for i, aggregate in enumerate(query.aggregates):
            if all(matches(c, row) for c in aggregate.where):
                state[i] = _step(aggregate, state[i], row)
    return [
        (*key, *(_final(a, s) for a, s in zip(query.aggregates, state, strict=True)))
        for key, state in states.items()
    ]


def _in_window(value: Any, start: date | None, end: date | None) -> bool:
    if value is None:
        return False
    return (start is None or value >= start) and (end is None or value <= end)


def matches(condition: Condition, row: Mapping[str, Any]) -> bool:
    value = row.get(condition.field)
    op, wanted = condition.op, condition.value
    if op == "null":
        return value is None
    if value is None:
        return False
    if op == "not_null":
        return True
    if op == "in":
        return value in (wanted or ())  # type: ignore[operator]
    if op == "not_in":
        return value not in (wanted or ())  # type: ignore[operator]
    if op == "eq":
        return bool(value == wanted)
    if op == "ne":
        return bool(value != wanted)
    if op == "gt":
        return bool(value > wanted)
    if op == "ge":
        return bool(value >= wanted)
    if op == "lt":
        return bool(value < wanted)
    return bool(value <= wanted)


def group_key(group: Group, row: Mapping[str, Any]) -> Any:
    value = row.get(group.field)
    if value is None:
        return None
    if group.kind == "band":
        for index, bound in enumerate(group.bounds):
            if value <= bound:
                return index
        return len(group.bounds)
    if group.kind == "map":
        return group.mapping.get(str(value), group.default)
    if group.kind == "period":
        return period_label(value, group.grain)
    return value


def period_label(day: date, grain: str) -> str:
    """The label of the period ``day`` falls in (see :mod:`._query`)."""
    if grain == "day":
        return day.isoformat()
    if grain == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    if grain == "month":
        return day.strftime("%Y-%m")
    if grain == "quarter":
        return f"{day.year}-Q{(day.month + 2) // 3}"
    return str(day.year)


def _initial(aggregate: Aggregate) -> Any:
    if aggregate.fn == "count":
        return 0
    if aggregate.fn == "count_distinct":
        return set()
    return None


def _step(aggregate: Aggregate, state: Any, row: Mapping[str, Any]) -> Any:
    fn = aggregate.fn
    if fn == "count":
        return state + 1
    value = row.get(aggregate.field) if aggregate.field else None
    if value is None:
        return state
    if fn == "count_distinct":
        state.add(value)
        return state
    if fn == "sum_product":
        weight = row.get(aggregate.weight) if aggregate.weight else None
        if weight is None:
            return state
        value = value * weight
        return value if state is None else state + value
    if state is None:
        return value
    if fn == "sum":
        return state + value
    if fn == "min":
        return min(state, value)
    return max(state, value)


def _final(aggregate: Aggregate, state: Any) -> Any:
    if aggregate.fn == "count_distinct":
        return len(state)
    return state

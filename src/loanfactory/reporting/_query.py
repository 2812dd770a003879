"""The query a store runs for a report (报表查询): one source, filters, groups, aggregates.

A :class:`Query` is plain data, built from a report definition by :mod:`._plan` and answered by a
store's :class:`ReportQueries` (the SQL store with one ``SELECT ... GROUP BY``; the memory store
with :func:`loanfactory.reporting.evaluate_query` over its rows). Both follow the same meaning:

- ``where`` keeps rows whose field satisfies every condition (a null never satisfies one);
- rows outside ``[start, end]`` on the source's date field are dropped; for a stock source the
  rows are those of the position dates in ``as_of``;
- each :class:`Group` turns a row into one key: the field's value, the index of the band it falls
  in (upper bounds inclusive), the mapped value of a map, or the period label of a date
  (``day`` ``2026-01-05``, ``week`` the Monday ``2026-01-05``, ``month`` ``2026-01``, ``quarter``
  ``2026-Q1``, ``year`` ``2026``); a null value is the key ``None``;
- each :class:`Aggregate` is computed per key over the rows that also pass its own ``where``:
  ``count`` rows, ``count_distinct`` values, ``sum``/``min``/``max`` of a field (null when no row),
  ``sum_product`` of two fields (a weighted average's numerator).

Answers are exact: money in yuan as Decimal, rates as Decimal fractions, counts as int.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Protocol

Op = Literal["eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "null", "not_null"]
Grain = Literal["day", "week", "month", "quarter", "year"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month", "quarter", "year")
Scalar = str | int | Decimal | date


@dataclass(frozen=True, slots=True)
class Condition:
    """``field op value``; ``in``/``not_in`` take a tuple; ``null``/``not_null`` none."""

    field: str
    op: Op
    value: Scalar | tuple[Scalar, ...] | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """How a row is keyed by one dimension (see the module docstring)."""

    name: str
    field: str
    kind: Literal["value", "band", "map", "period"] = "value"
    bounds: tuple[Decimal, ...] = ()  # band upper bounds, inclusive, ascending
    mapping: Mapping[str, str] = dataclasses.field(default_factory=dict)  # value -> key
    default: str | None = None  # the key of a value the map does not name
    grain: Grain = "month"


@dataclass(frozen=True, slots=True)
class Aggregate:
    """One aggregate per group key (see the module docstring)."""

    name: str
    fn: Literal["count", "count_distinct", "sum", "min", "max", "sum_product"]
    field: str | None = None
    weight: str | None = None  # the second factor of sum_product
    where: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class Query:
    """A question for one source (see the module docstring)."""

    source: str
    groups: tuple[Group, ...]
    aggregates: tuple[Aggregate, ...]
    where: tuple[Condition, ...] = ()
    start: date | None = None
    end: date | None = None
    as_of: tuple[date, ...] = ()  # stock sources: the position dates read
    date_field: str | None = None  # the date the window applies to (the source's by default)
    products: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)  # code -> attributes


Row = tuple[Any, ...]
"""One answer row: the group keys in order, then the aggregates in order."""


class ReportQueries(Protocol):
    """What a store offers reports (``tx.reports``): queries and position snapshots."""

    def run(self, query: Query) -> list[Row]:
        """The rows of ``query``, in no particular order."""
        ...

    def position_dates(self) -> list[date]:
        """The dates that have stored positions, ascending."""
        ...

    def write_positions(self, day: date, rows: Sequence[Mapping[str, Any]]) -> int:
        """Replace the stored positions of ``day`` with ``rows``; returns how many were written."""
        ...

    def refresh(self, limit: int) -> int:
        """Copy the report fields of up to about ``limit`` more records into the store's report
        tables (a SQL store's reported loans); returns how many were added, 0 when up to date or
        for a store that reads its records directly."""
        ...

"""The report-definition language (报表定义): what a report is, as data.

A definition names a default ``source`` (:mod:`._sources`), optional report-wide filters
(``where``, for the measures of that source), derived ``dimensions`` (bands and maps),
``measures`` (aggregates of a source, and ratios, shares and weighted averages of them) and the
``sections`` shown: each a grouping by one or more dimensions with the measures it shows and its
chart. See ``docs/reports-zh.md``::

    report: loans-by-class
    family: regulatory
    title: {zh: 贷款五级分类情况表, en: Loans by five-category class}
    source: positions
    where: {status: active}
    dimensions:
      term_band:
        band: term_months
        bands: [{to: 12, zh: 1年以内（含）}, {zh: 1年以上}]
    measures:
      loans: {count: rows, zh: 笔数}
      balance: {sum: principal, zh: 贷款余额}
      npl: {sum: principal, where: {category: [substandard, doubtful, loss]}}
      npl_ratio: {ratio: [npl, balance], zh: 不良率}
    sections:
      - {by: [category], measures: [loans, balance], chart: pie}

This module holds the model (the frozen :class:`ReportDefinition` and its parts);
:func:`~loanfactory.reporting._reader.read_definition` reads the YAML into it, returning every
problem as a located :class:`~loanfactory.errors.Diagnostic` (unknown keys, sources, fields,
dimensions and measures get a did-you-mean).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from loanfactory.reporting._query import Condition, Grain

Family = Literal["regulatory", "growth", "volume", "risk", "profit", "portfolio"]
FAMILIES: tuple[str, ...] = ("regulatory", "growth", "volume", "risk", "profit", "portfolio")
Chart = Literal["bar", "line", "pie", "none"]
CHARTS: tuple[str, ...] = ("bar", "line", "pie", "none")
Format = Literal["count", "money", "percent", "rate", "number"]
AGGREGATES = ("count", "count_distinct", "sum", "min", "max")
DERIVED = ("ratio", "share", "weighted", "difference")
FUNDING = "ftp"  # cost of funds: a rate on the average daily balance of a field (资金成本)
PERIOD = "period"


@dataclass(frozen=True, slots=True)
class Text:
    """A label in Chinese and (optionally) English."""

    zh: str
    en: str | None = None

    def text(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh


@dataclass(frozen=True, slots=True)
class Band:
    upper: Decimal | None  # inclusive; None: open-ended (the last band)
    label: Text


@dataclass(frozen=True, slots=True)
class Dimension:
    """A derived dimension: numeric ``field`` in ``bands``, or coded ``field`` mapped onto ``groups``."""

    name: str
    field: str
    label: Text
    bands: tuple[Band, ...] = ()
    groups: tuple[tuple[str, Text, tuple[str, ...]], ...] = ()  # (key, label, values)
    other: Text | None = None  # the label of values no group names (a map)


@dataclass(frozen=True, slots=True)
class Measure:
    """An aggregate of a source (``fn`` in AGGREGATES), a derived measure (``ratio``, ``share``,
    ``weighted``, ``difference``: the first measure less the others) or a cost of funds (``ftp``:
    ``rate`` a year on the average daily balance of ``field``, counted by ``day_count``)."""

    name: str
    fn: str
    label: Text
    format: Format
    field: str | None = None  # aggregates: the field (None: rows); weighted: the value field
    of: tuple[str, ...] = ()  # ratio: (numerator, denominator); share: (measure,)
    weight: str | None = None  # weighted: the weight field
    source: str = ""
    date: str | None = None  # the date field that places a row in the report period
    where: tuple[Condition, ...] = ()
    within: tuple[str, ...] = ()  # share: of the total of the rows with the same values of these dimensions
    rate: Decimal | None = None  # ftp: the yearly rate (a fraction of one)
    day_count: str | None = None  # ftp: ACT/365F, ACT/360 or ACT/ACT

    @property
    def derived(self) -> bool:
        return self.fn in ("ratio", "share", "difference")


@dataclass(frozen=True, slots=True)
class Section:
    by: tuple[str, ...]
    measures: tuple[str, ...]
    chart: Chart
    title: Text | None = None


@dataclass(frozen=True, slots=True)
class ReportDefinition:
    """A checked report definition (see the module docstring)."""

    name: str
    family: Family
    title: Text
    source: str
    measures: Mapping[str, Measure]
    sections: tuple[Section, ...]
    dimensions: Mapping[str, Dimension] = field(default_factory=dict)
    where: tuple[Condition, ...] = ()
    grain: Grain | None = None  # the period dimension's grain
    span: int = 1  # how many grains the report looks back, the run's period included
    description: Text | None = None
    file: str | None = None


def base_measures(measures: Mapping[str, Measure], names: Any) -> list[Measure]:
    """The aggregates that ``names`` (measure names) are computed from, each once, in order."""
    found: dict[str, Measure] = {}

    def visit(name: str) -> None:
        measure = measures[name]
        if measure.derived:
            for part in measure.of:
                visit(part)
        else:
            found.setdefault(name, measure)

    for name in names:
        visit(name)
    return list(found.values())

"""Running a report definition against a store (出报表): plan the queries, ask the store, assemble.

Each section becomes one query per source (and date field) its measures read, grouped by the
section's dimensions, plus the same queries without groups for the total row — so a count of
distinct customers is right in the total too. Queries are answered by the store
(:class:`~loanfactory.reporting.ReportQueries`); derived measures (ratios, shares, weighted
averages) are computed here from the sums, exactly, so every store shows the same figures.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from loanfactory.archive import Archive
from loanfactory.errors import InvalidInput
from loanfactory.ports import Store
from loanfactory.reporting._definition import (
    FUNDING,
    PERIOD,
    Measure,
    ReportDefinition,
    Section,
    Text,
    base_measures,
)
from loanfactory.reporting._evaluate import period_label
from loanfactory.reporting._funding import cost_of_funds
from loanfactory.reporting._positions import ensure_positions, queries_of, refresh_report_tables
from loanfactory.reporting._query import GRAINS, Aggregate, Condition, Grain, Group, Query
from loanfactory.reporting._sources import SOURCES
from loanfactory.servicing import DEFAULT_RULES, ClassificationRules
from loanfactory.spec import ProductSpec

ZERO = Decimal(0)
CENT = Decimal("0.01")
OTHER = "*other*"  # the key of values a map does not name (no group key has a "*")
NONE_LABEL = Text("（空）", "(none)")


@dataclass(frozen=True, slots=True)
class Period:
    """The dates a report covers, inclusive (统计期间)."""

    start: date
    end: date
    text: str

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026-01`` (a month), ``2026-Q1``, ``2026``, ``2026-01-15`` (a day) or
        ``2026-01-01..2026-03-31``."""
        value = text.strip()
        try:
            if ".." in value:
                first, last = value.split("..", 1)
                start, end = date.fromisoformat(first), date.fromisoformat(last)
            elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                start = end = date.fromisoformat(value)
            elif m := re.fullmatch(r"(\d{4})-(\d{2})", value):
                year, month = int(m[1]), int(m[2])
                start = date(year, month, 1)
                end = date(year, month, calendar.monthrange(year, month)[1])
            elif m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", value):
                year, quarter = int(m[1]), int(m[2])
                start = date(year, quarter * 3 - 2, 1)
                end = date(year, quarter * 3, calendar.monthrange(year, quarter * 3)[1])
            elif re.fullmatch(r"\d{4}", value):
                start, end = date(int(value), 1, 1), date(int(value), 12, 31)
            else:
                raise ValueError(value)
        except ValueError:
            raise InvalidInput(
                f"'{text}' is not a period: write 2026-01, 2026-Q1, 2026, 2026-01-15 "
                "or 2026-01-01..2026-03-31",
                field="period",
                message_zh=f"'{text}' 不是统计期间：请写 2026-01、2026-Q1、2026、2026-01-15 "
                "或 2026-01-01..2026-03-31",
            ) from None
        if start > end:
            raise InvalidInput(
                f"the period {text} ends before it starts",
                field="period",
                message_zh=f"统计期间 {text} 的结束早于开始",
            )
        return cls(start, end, value)


@dataclass(frozen=True, slots=True)
class ResultRow:
    keys: tuple[Any, ...]
    labels: tuple[str, ...]
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SectionResult:
    section: Section
    by: tuple[Text, ...]  # the dimensions' names
    rows: tuple[ResultRow, ...]
    total: ResultRow | None


@dataclass(frozen=True, slots=True)
class ReportResult:
    """A report's figures: per section, its rows and total row; values are exact."""

    definition: ReportDefinition
    period: Period
    start: date  # the window read (the period, extended back by the definition's span)
    end: date
    lang: str
    sections: tuple[SectionResult, ...]
    position_dates: tuple[date, ...] = ()
    products: Mapping[str, str] = field(default_factory=dict)

    def measure(self, name: str) -> Measure:
        return self.definition.measures[name]

    def label(self, name: str) -> str:
        return self.definition.measures[name].label.text(self.lang)


def run_report(
    store: Store,
    definition: ReportDefinition,
    period: Period | str,
    *,
    today: date,
    products: Mapping[str, ProductSpec] | None = None,
    lang: str = "zh",
    rules: ClassificationRules = DEFAULT_RULES,
    grain: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    archive: Archive | None = None,
    actor: str = "system",
) -> ReportResult:
    """The figures of ``definition`` for ``period`` (positions older than ``today`` that are
    missing are computed and stored first; see :func:`ensure_positions`). ``grain`` (``day``,
    ``week``, ``month``, ``quarter``, ``year``) replaces the grain of the definition's period
    dimension for this run, with the same span in the new grain: user growth by day or by week.
    ``progress(done, total)`` reports the positions computed, date by date. With ``archive``, a
    regulator return (a ``regulatory`` report) is archived as produced, by ``actor``
    (:func:`~loanfactory.reporting._returns.archive_return`)."""
    if isinstance(period, str):
        period = Period.parse(period)
    if grain is not None:
        definition = regrained(definition, grain)
    if period.start > today:
        raise InvalidInput(
            f"the period {period.text} starts after today's business date {today.isoformat()}",
            field="period",
            message_zh=f"统计期间 {period.text} 晚于当前营业日 {today.isoformat()}",
        )
    end = min(period.end, today)
    start = _window_start(definition, period.start, end)
    grain = definition.grain
    stock_dates = _stock_dates(start, end, grain)
    needs_positions = any(
        SOURCES[m.source].stock for m in base_measures(definition.measures, definition.measures)
    )
    if needs_positions:
        ensure_positions(store, stock_dates, today, rules, progress)
    refresh_report_tables(store)
    attributes = {code: _attributes(spec) for code, spec in (products or {}).items()}
    names = {code: spec.name.text(lang) for code, spec in (products or {}).items()}
    sections = []
    with store.transaction() as tx:
        queries = queries_of(tx)
        for section in definition.sections:
            # a section over time reads the whole window, else the run's period (flows) and its end (stocks)
            trend = any(_field_of(definition, name) in _TIME for name in section.by)
            plan = _Plan(
                definition,
                section,
                start if trend else max(start, period.start),
                end,
                stock_dates if trend else stock_dates[-1:],
                attributes,
                today,
            )
            grouped = plan.answer(queries.run, section.by)
            has_period = PERIOD in section.by
            total: dict[tuple[Any, ...], dict[str, Any]] = {}
            if section.by and not has_period:
                total = plan.combined(grouped) if plan.additive else plan.answer(queries.run, ())
            within = {
                dims: plan.answer(queries.run, dims)
                for dims in {
                    definition.measures[m].within for m in section.measures if definition.measures[m].within
                }
            }
            sections.append(_assemble(definition, section, grouped, total, within, lang, names))
    result = ReportResult(
        definition,
        period,
        start,
        end,
        lang,
        tuple(sections),
        tuple(stock_dates) if needs_positions else (),
        names,
    )
    if archive is not None:
        from loanfactory.reporting._returns import archive_return  # it exports the result: after _run

        archive_return(archive, result, actor=actor)
    return result


_TIME = frozenset({PERIOD, "as_of", "months_on_book"})


def regrained(definition: ReportDefinition, grain: str) -> ReportDefinition:
    """``definition`` with its period dimension counted in ``grain`` (统计周期) instead."""
    if grain not in GRAINS:
        raise InvalidInput(
            f"unknown period grain '{grain}' (grains: {', '.join(GRAINS)})",
            field="grain",
            message_zh=f"未知的统计周期 '{grain}'（可选：{'、'.join(GRAINS)}）",
        )
    if definition.grain is None:
        raise InvalidInput(
            f"the {definition.name} report has no period dimension: it takes no grain",
            field="grain",
            message_zh=f"报表 {definition.name} 没有统计周期维度，不能指定周期粒度",
        )
    chosen: Grain = next(g for g in GRAINS if g == grain)
    return replace(definition, grain=chosen)


def _field_of(definition: ReportDefinition, name: str) -> str:
    dimension = definition.dimensions.get(name)
    return dimension.field if dimension is not None else name


def _attributes(spec: ProductSpec) -> dict[str, str]:
    return {"guarantee": spec.guarantee.types[0].value}


def _window_start(definition: ReportDefinition, start: date, end: date) -> date:
    if definition.grain is None or definition.span <= 1:
        return start
    first = _bucket_start(end, definition.grain)
    for _ in range(definition.span - 1):
        first = _bucket_start(first - timedelta(days=1), definition.grain)
    return min(first, start)


def _bucket_start(day: date, grain: Grain) -> date:
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def _stock_dates(start: date, end: date, grain: Grain | None) -> list[date]:
    """The position dates of a window: the last day of each period in it (the end, for the last)."""
    if grain is None:
        return [end]
    dates: list[date] = []
    day = start
    while day <= end:
        label = period_label(day, grain)
        nxt = day + timedelta(days=1)
        while nxt <= end and period_label(nxt, grain) == label:
            nxt += timedelta(days=1)
        dates.append(nxt - timedelta(days=1))
        day = nxt
    return dates


class _Plan:
    """The queries of one section."""

    def __init__(
        self,
        definition: ReportDefinition,
        section: Section,
        start: date,
        end: date,
        stock_dates: Sequence[date],
        attributes: Mapping[str, Mapping[str, str]],
        today: date,
    ) -> None:
        self.definition = definition
        self.section = section
        self.start, self.end = start, end
        self.stock_dates = tuple(stock_dates)
        self.attributes = attributes
        # the books of today are not closed yet: a cost of funds runs to the day before
        self.closed = min(end, today - timedelta(days=1))

    @property
    def additive(self) -> bool:
        """The totals follow from the groups' figures (no distinct count among the measures)."""
        measures = base_measures(self.definition.measures, self.section.measures)
        return all(m.fn != "count_distinct" for m in measures)

    def combined(
        self, grouped: Mapping[tuple[Any, ...], Mapping[str, Any]]
    ) -> dict[tuple[Any, ...], dict[str, Any]]:
        """The total row from the groups' figures (sums and counts add; minima and maxima fold)."""
        if not grouped:
            return {}
        fns = {
            a.name: a.fn
            for m in base_measures(self.definition.measures, self.section.measures)
            for a in _aggregates(m)
        }
        total: dict[str, Any] = {}
        for name, fn in fns.items():
            values = [row[name] for row in grouped.values() if row.get(name) is not None]
            if not values:
                total[name] = None
            elif fn == "min":
                total[name] = min(values)
            elif fn == "max":
                total[name] = max(values)
            else:
                total[name] = sum(values[1:], values[0])
        return {(): total}

    def answer(
        self, run: Callable[[Query], list[tuple[Any, ...]]], by: tuple[str, ...]
    ) -> dict[tuple[Any, ...], dict[str, Any]]:
        by_query: dict[tuple[str, str], list[Measure]] = {}
        merged: dict[tuple[Any, ...], dict[str, Any]] = {}
        for measure in base_measures(self.definition.measures, self.section.measures):
            source = SOURCES[measure.source]
            date_field = measure.date or source.date_field
            if measure.fn == FUNDING:
                groups = tuple(self._group(name, date_field) for name in by)
                costs = cost_of_funds(
                    run, measure, groups, date_field, self.start, self.closed, self.attributes
                )
                for key, cost in costs.items():
                    merged.setdefault(key, {})[measure.name] = cost
                continue
            by_query.setdefault((measure.source, date_field), []).append(measure)
        for (source_name, date_field), measures in by_query.items():
            source = SOURCES[source_name]
            groups = tuple(self._group(name, date_field) for name in by)
            aggregates = tuple(a for m in measures for a in _aggregates(m))
            common = set.intersection(*(set(a.where) for a in aggregates)) if aggregates else set()
            ordered_common = tuple(c for c in aggregates[0].where if c in common) if aggregates else ()
            aggregates = tuple(
                Aggregate(a.name, a.fn, a.field, a.weight, tuple(c for c in a.where if c not in common))
                for a in aggregates
            )
            query = Query(
                source=source_name,
                groups=groups,
                aggregates=aggregates,
                where=ordered_common,
                start=None if source.stock else self.start,
                end=None if source.stock else self.end,
                as_of=self.stock_dates if source.stock else (),
                date_field=None if source.stock else date_field,
                products=self.attributes,
            )
            for row in run(query):
                key = tuple(row[: len(groups)])
                values = merged.setdefault(key, {})
                for aggregate, value in zip(aggregates, row[len(groups) :], strict=True):
                    values[aggregate.name] = value
        return merged

    def _group(self, name: str, date_field: str) -> Group:
        if name == PERIOD:
            grain = self.definition.grain or "month"
            return Group(name, date_field, "period", grain=grain)
        dimension = self.definition.dimensions.get(name)
        if dimension is None:
            return Group(name, name)
        if dimension.bands:
            bounds = tuple(b.upper for b in dimension.bands if b.upper is not None)
            return Group(name, dimension.field, "band", bounds=bounds)
        mapping = {value: key for key, _, values in dimension.groups for value in values}
        return Group(name, dimension.field, "map", mapping=mapping, default=OTHER)


def _aggregates(measure: Measure) -> list[Aggregate]:
    if measure.fn == "weighted":
        return [
            Aggregate(f"{measure.name}:num", "sum_product", measure.field, measure.weight, measure.where),
            Aggregate(f"{measure.name}:den", "sum", measure.weight, None, measure.where),
        ]
    fn: Any = "sum" if measure.fn == FUNDING else measure.fn
    return [Aggregate(measure.name, fn, measure.field, None, measure.where)]


def ratio(
    numerator: Decimal | int | None, denominator: Decimal | int | None, places: int = 4
) -> Decimal | None:
    """``numerator / denominator`` to ``places`` decimals half-up (0.0123 = 1.23 %), None when the
    denominator is zero or missing."""
    if numerator is None or not denominator:
        return None
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(numerator) / Decimal(denominator)).quantize(quantum, rounding=ROUND_HALF_UP)


def _values(
    definition: ReportDefinition,
    names: Sequence[str],
    raw: Mapping[str, Any],
    total: Mapping[str, Any],
    within: Callable[[tuple[str, ...]], Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def value(name: str, figures: Mapping[str, Any]) -> Any:
        measure = definition.measures[name]
        if measure.fn == "ratio":
            return ratio(value(measure.of[0], figures), value(measure.of[1], figures))
        if measure.fn == "difference":
            first, *rest = (value(part, figures) or ZERO for part in measure.of)
            return (
                (first - sum(rest, ZERO)).quantize(CENT) if measure.format == "money" else first - sum(rest)
            )
        if measure.fn == "share":
            whole = within(measure.within) if within is not None and measure.within else total
            return ratio(value(measure.of[0], figures), value(measure.of[0], whole))
        if measure.fn == "weighted":
            return ratio(figures.get(f"{name}:num"), figures.get(f"{name}:den"), 6)
        found = figures.get(name)
        if found is None and measure.fn in ("count", "count_distinct"):
            return 0
        if found is None and measure.fn in ("sum", FUNDING):
            found = ZERO
        if measure.format == "money" and isinstance(found, Decimal):
            return found.quantize(CENT)
        return found

    for name in names:
        out[name] = value(name, raw)
    return out


def _assemble(
    definition: ReportDefinition,
    section: Section,
    grouped: Mapping[tuple[Any, ...], Mapping[str, Any]],
    total: Mapping[tuple[Any, ...], Mapping[str, Any]],
    within: Mapping[tuple[str, ...], Mapping[tuple[Any, ...], Mapping[str, Any]]],
    lang: str,
    products: Mapping[str, str],
) -> SectionResult:
    totals = total.get((), {}) if total else grouped.get((), {})
    rows = []
    for key, raw in grouped.items():
        labels = tuple(
            _label(definition, name, value, lang, products)
            for name, value in zip(section.by, key, strict=True)
        )

        def of_group(dims: tuple[str, ...], key: tuple[Any, ...] = key) -> Mapping[str, Any]:
            sub = tuple(key[section.by.index(d)] for d in dims)
            return within.get(dims, {}).get(sub, {})

        rows.append(ResultRow(key, labels, _values(definition, section.measures, raw, totals, of_group)))
    rows.sort(
        key=lambda r: tuple(
            _order(definition, name, value) for name, value in zip(section.by, r.keys, strict=True)
        )
    )
    total_row = None
    if total:
        total_row = ResultRow((), (), _values(definition, section.measures, totals, totals))
    by = tuple(_dimension_name(definition, name) for name in section.by)
    return SectionResult(section, by, tuple(rows), total_row)


def _dimension_name(definition: ReportDefinition, name: str) -> Text:
    if name == PERIOD:
        return Text("期间", "period")
    if name in definition.dimensions:
        return definition.dimensions[name].label
    found = SOURCES[definition.source].get(name)
    if found is None:
        for source in SOURCES.values():
            found = found or source.get(name)
    return Text(found.zh, found.en) if found else Text(name)


def _label(
    definition: ReportDefinition, name: str, value: Any, lang: str, products: Mapping[str, str]
) -> str:
    if value is None:
        return NONE_LABEL.text(lang)
    dimension = definition.dimensions.get(name)
    if dimension is not None and dimension.bands:
        return dimension.bands[int(value)].label.text(lang)
    if dimension is not None:
        if value == OTHER:
            return (dimension.other or Text("其他", "other")).text(lang)
        return next(label.text(lang) for key, label, _ in dimension.groups if key == value)
    if name == "product":
        return products.get(str(value), str(value))
    labels = _field_labels(name)
    if str(value) in labels:
        zh, en = labels[str(value)]
        return en if lang == "en" else zh
    return str(value)


def _field_labels(name: str) -> Mapping[str, tuple[str, str]]:
    for source in SOURCES.values():
        found = source.get(name)
        if found is not None and found.labels:
            return found.labels
    return {}


def _order(definition: ReportDefinition, name: str, value: Any) -> tuple[int, Any]:
    if value is None:
        return (2, "")
    dimension = definition.dimensions.get(name)
    if dimension is not None and dimension.bands:
        return (0, int(value))
    if dimension is not None:
        keys = [key for key, _, _ in dimension.groups]
        return (0, keys.index(value)) if value in keys else (1, 0)
    labels = list(_field_labels(name))
    if str(value) in labels:
        return (0, labels.index(str(value)))
    return (1, str(value))


def conditions_text(conditions: Sequence[Condition]) -> str:
    """The filters as text (for the report's footnote)."""
    return "; ".join(f"{c.field} {c.op} {c.value}" for c in conditions)

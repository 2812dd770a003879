"""Exports show the figures of the result (CSV, Excel, JSON); charts are drawn; positions are stored
once for closed dates and recomputed for the open one; queries follow their stated meaning."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from report_book import Book

from loanfactory.errors import InvalidInput
from loanfactory.reporting import (
    Aggregate,
    Condition,
    Group,
    Query,
    ensure_positions,
    evaluate_query,
    first_open_day,
    html_report,
    queries_of,
    report_images,
    report_library,
    run_report,
    to_csv,
    to_json,
    to_xlsx,
)

pytestmark = pytest.mark.xdist_group("report-book")
LIBRARY = report_library()
D = Decimal


@pytest.fixture(scope="module")
def risk(book: Book, products: dict[str, Any]) -> Any:
    return run_report(book.store, LIBRARY["risk"], "2026-06", today=date(2026, 6, 30), products=products)


def test_csv_and_json_carry_the_same_exact_figures(risk: Any) -> None:
    data = to_json(risk)
    rows = list(csv.reader(io.StringIO(to_csv(risk))))
    assert rows[0][0] == "风险状况"
    classes = next(s for s in data["sections"] if s["title"] == "五级分类分布")
    at = rows.index(["五级分类分布"])
    assert rows[at + 1] == ["五级分类", "笔数", "贷款余额（元）", "余额占比", "拨备（元）"]
    for offset, row in enumerate(classes["rows"], start=2):
        assert rows[at + offset] == [
            row["labels"][0],
            *(str(row["values"][c["name"]]) for c in classes["columns"]),
        ]
    total = rows[at + 2 + len(classes["rows"])]
    assert total[0] == "合计"
    assert Decimal(total[2]) == Decimal(classes["total"]["balance"])
    assert classes["columns"][2] == {"name": "share", "label": "余额占比", "format": "percent"}


def test_the_workbook_has_a_sheet_per_section_with_numbers(risk: Any) -> None:
    book = load_workbook(io.BytesIO(to_xlsx(risk)))
    assert book.sheetnames[0] == "说明"
    assert len(book.sheetnames) == 1 + len(risk.sections)
    sheet = book["五级分类分布"]
    assert [c.value for c in sheet[2]] == ["五级分类", "笔数", "贷款余额（元）", "余额占比", "拨备（元）"]
    section = next(s for s in risk.sections if s.section.title.zh == "五级分类分布")
    assert sheet.cell(row=3, column=3).value == pytest.approx(float(section.rows[0].values["balance"]))
    assert sheet.cell(row=3, column=3).number_format == "#,##0.00"
    assert sheet.cell(row=3, column=4).number_format == "0.00%"


def test_charts_and_the_page(risk: Any) -> None:
    svgs = report_images(risk, "svg")
    pngs = report_images(risk, "png")
    assert set(svgs) == {name.replace(".png", ".svg") for name in pngs}
    assert all(data.startswith(b"\x89PNG") for data in pngs.values())
    first = next(iter(svgs.values())).decode()
    assert "<svg" in first
    assert "<text" not in first  # text drawn as outlines: no font needed to view it
    page = html_report([risk], today="2026-06-30")
    assert page.count("<svg") == len(svgs)
    assert "<script" not in page
    for fetch in ('src="http', "src='http", 'href="http', "url(http", "<link", "@import"):
        assert fetch not in page
    assert "<metadata>" not in page
    with pytest.raises(InvalidInput):
        report_images(risk, "gif")


def test_positions_are_stored_once_a_date_is_closed(book: Book) -> None:
    store = book.store
    assert first_open_day(store, date(2026, 9, 1)) == date(2026, 7, 1)  # the last end of day: 2026-06-30
    with store.transaction() as tx:
        stored = queries_of(tx).position_dates()
    assert set(book.month_ends) <= set(stored)
    assert ensure_positions(store, [date(2026, 4, 30)], today=date(2026, 7, 1)) == []
    assert ensure_positions(store, [date(2026, 6, 30)], today=date(2026, 6, 30)) == [date(2026, 6, 30)]
    with pytest.raises(InvalidInput) as raised:
        ensure_positions(store, [date(2026, 7, 2)], today=date(2026, 7, 1))
    assert raised.value.field == "as_of"


def test_computing_positions_reports_progress_date_by_date(book: Book) -> None:
    calls: list[tuple[int, int]] = []
    days = [date(2026, 6, 28), date(2026, 6, 29), date(2026, 6, 30)]
    computed = ensure_positions(
        book.store, days, today=date(2026, 6, 30), progress=lambda *c: calls.append(c)
    )
    assert computed == days  # two dates never stored and today (still open)
    assert calls == [(1, 3), (2, 3), (3, 3)]
    calls.clear()
    assert (
        ensure_positions(
            book.store, [date(2026, 4, 30)], today=date(2026, 7, 1), progress=lambda *c: calls.append(c)
        )
        == []
    )
    assert calls == []  # a final date already stored: nothing computed, nothing reported


def test_a_report_of_a_future_period_is_refused(book: Book) -> None:
    with pytest.raises(InvalidInput) as raised:
        run_report(book.store, LIBRARY["risk"], "2026-08", today=date(2026, 7, 1))
    assert raised.value.field == "period"


ROWS = [
    {"product": "a", "amount": D("100.00"), "rate": D("0.04"), "day": date(2026, 1, 5), "who": "x"},
    {"product": "a", "amount": D("300.00"), "rate": D("0.05"), "day": date(2026, 1, 31), "who": "x"},
    {"product": "b", "amount": D("50.00"), "rate": None, "day": date(2026, 2, 1), "who": "y"},
    {"product": None, "amount": D("7.00"), "rate": D("0.10"), "day": date(2026, 2, 2), "who": "z"},
]


def test_the_meaning_of_a_query() -> None:
    query = Query(
        source="loans",
        groups=(Group("product", "product"),),
        aggregates=(
            Aggregate("n", "count"),
            Aggregate("who", "count_distinct", "who"),
            Aggregate("sum", "sum", "amount"),
            Aggregate("big", "sum", "amount", where=(Condition("amount", "gt", D("60")),)),
            Aggregate("weighted", "sum_product", "rate", "amount"),
            Aggregate("lowest", "min", "rate"),
        ),
        start=date(2026, 1, 1),
        end=date(2026, 2, 1),
        date_field="day",
    )
    got = {row[0]: row[1:] for row in evaluate_query(query, ROWS)}
    assert got == {
        "a": (2, 1, D("400.00"), D("400.00"), D("19.0000"), D("0.04")),
        "b": (1, 1, D("50.00"), None, None, None),
    }


def test_bands_maps_and_periods_key_rows() -> None:
    query = Query(
        source="loans",
        groups=(
            Group("size", "amount", "band", bounds=(D("50.00"), D("100.00"))),
            Group("kind", "product", "map", mapping={"a": "A"}, default="*other*"),
            Group("week", "day", "period", grain="week"),
        ),
        aggregates=(Aggregate("n", "count"),),
        where=(Condition("who", "in", ("x", "y", "z")),),
    )
    keys = sorted((r[:3] for r in evaluate_query(query, ROWS)), key=repr)
    assert keys == sorted(
        [
            (1, "A", "2026-01-05"),
            (2, "A", "2026-01-26"),
            (0, "*other*", "2026-01-26"),
            (0, None, "2026-02-02"),
        ],
        key=repr,
    )

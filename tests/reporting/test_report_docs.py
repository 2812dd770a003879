"""The examples of docs/reports-zh.md run: its report definition loads and runs over the seeded
book, its located error is what ``check`` prints, its Python example works."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from report_book import Book

from loanfactory.reporting import read_definition, run_report

pytestmark = pytest.mark.xdist_group("report-book")
DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = (DOCS / "reports-zh.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE, re.S)


def test_the_pages_definition_runs(book: Book, products: dict[str, Any]) -> None:
    text = _blocks("yaml")[0]  # the custom report; the profit example is run by test_profit.py
    definition, problems = read_definition(text, file="branch-overdue.yaml")
    assert problems == []
    assert definition is not None
    result = run_report(book.store, definition, "2026-06", today=date(2026, 6, 30), products=products)
    channel, amount = result.sections
    assert channel.total is not None
    assert amount.total is not None
    assert channel.total.values["balance"] == amount.total.values["balance"] > 0
    assert {r.labels[0] for r in channel.rows} <= {"手机银行/App", "小程序", "网页"}


def test_the_pages_error_is_what_check_prints() -> None:
    text = _blocks("yaml")[0]  # the custom report; the profit example is run by test_profit.py
    [shown] = [line for line in _blocks("text")[0].splitlines() if line.strip()]
    _, problems = read_definition(text.replace("sum: principal,", "sum: princpal,", 1), file="mine.yaml")
    assert [p.in_language("zh").format() for p in problems] == [shown]


def test_the_pages_python_example_runs() -> None:
    [code] = _blocks("python")
    exec(compile(code, "reports-zh.md", "exec"), {})

"""The HTML report of the seeded book opened in a real browser (headless Chromium, the Debian
package, driven by Playwright — no browser is downloaded): the charts render, nothing is logged
to the console, the key figures are on the page. The screenshot is kept as a test artifact
(``test-artifacts/report-browser.png``); with ``LOANFACTORY_UPDATE_DOCS=1`` it also replaces the
screenshot in ``docs/images/``."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from report_book import Book

from loanfactory.reporting import html_report, report_library, run_report
from loanfactory.reporting._html import show

pytestmark = pytest.mark.xdist_group("report-book")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_the_report_renders_in_chromium(book: Book, products: dict[str, Any], tmp_path: Path) -> None:
    if CHROMIUM is None:
        pytest.skip(
            "no Chromium here: install the Debian package (apt-get install chromium) to run this test"
        )
    playwright_api = pytest.importorskip("playwright.sync_api")
    library = report_library()
    names = ("user-growth", "business-volume", "risk", "regulatory-loans")
    results = [
        run_report(book.store, library[n], "2026-06", today=date(2026, 6, 30), products=products)
        for n in names
    ]
    page_file = tmp_path / "report.html"
    page_file.write_text(html_report(results, today="2026-06-30"), encoding="utf-8")
    charts = sum(
        1 for r in results for s in r.sections if s.section.chart != "none" and s.rows and s.section.by
    )
    risk = results[2]
    classes = next(s for s in risk.sections if s.section.title and s.section.title.zh == "五级分类分布")
    assert classes.total is not None
    balance = show(classes.total.values["balance"], "money")
    problems: list[str] = []
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a new, empty profile
            executable_path=CHROMIUM,
            args=FLAGS,
            headless=True,
            viewport={"width": 1100, "height": 900},
        )
        try:
            page = context.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")
            sizes = page.eval_on_selector_all(
                "figure.chart svg",
                "els => els.map(e => { const r = e.getBoundingClientRect();"
                " return [r.width, r.height, e.querySelectorAll('path, use').length]; })",
            )
            cells = page.eval_on_selector_all("td.num", "els => els.map(e => e.textContent)")
            headings = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "report-browser.png"
            page.screenshot(path=str(shot), full_page=True)
            if os.environ.get("LOANFACTORY_UPDATE_DOCS") == "1":
                (ROOT / "docs" / "images").mkdir(exist_ok=True)
                page.screenshot(path=str(ROOT / "docs" / "images" / "reports-demo.png"), full_page=False)
        finally:
            context.close()
    assert problems == []
    assert len(sizes) == charts > 10
    for width, height, paths in sizes:
        assert width > 200
        assert height > 100
        assert paths > 10, sizes  # axes, bars, lines or wedges, and the outlined Chinese text
    assert balance in cells
    assert headings == ["用户增长", "业务规模", "风险状况", "贷款分类统计表（期末余额）"]
    assert shot.stat().st_size > 50_000

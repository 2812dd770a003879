"""Post-loan analytics: the rates are the ratios of sums they claim to be, per product and cohort."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "servicing"))
from servicing_world import World

from loanfactory.reporting import percent, portfolio_report, ratio, render_report
from loanfactory.servicing import Category

D = Decimal


@pytest.fixture(scope="module")
def book() -> tuple[World, dict[str, str]]:
    world = World()
    loans = {
        "good": world.active(customer_id="g", account="A-good"),
        "late": world.active(customer_id="l", account="A-late", amount=D("20000")),
        "bad": world.active(customer_id="b", account="A-bad", amount=D("5000")),
    }
    world.gateway.fund("A-late", D(0))
    world.gateway.fund("A-bad", D(0))
    world.until(date(2026, 6, 1))
    world.servicing.write_off(loans["bad"], key="wo", reason="fraud")
    world.repay(loans["bad"], D("700"))
    world.until(date(2026, 6, 10))
    return world, loans


def test_rates_are_ratios_of_the_loans_figures(book: tuple[World, dict[str, str]]) -> None:
    world, loans = book
    day = date(2026, 6, 9)
    report = portfolio_report(world.store, world.products, day)
    total = report.total
    good, late = world.position(loans["good"], day), world.position(loans["late"], day)
    assert total.loans == 3
    assert total.written_off_loans == 1
    assert total.outstanding == good.principal + late.principal  # the written-off loan owes nothing
    assert total.overdue_balance == late.principal
    assert total.overdue_rate == ratio(late.principal, good.principal + late.principal)
    assert total.npl_balance == late.principal  # more than 90 days past due: 次级
    assert total.by_category[Category.substandard] == late.principal
    assert total.recovered == D("700")
    assert total.recovery_rate == ratio(D("700"), total.written_off)
    assert total.written_off > D("5000")  # principal, interest and penalty written off
    assert total.repayment_rate is not None
    assert D(0) < total.repayment_rate < D(1)
    due = sum((d.amount for p in (good, late) for d in p.dues if d.component.value != "penalty"), D(0))
    assert total.due_to_date > due  # the written-off loan's dues count too


def test_products_and_cohorts_add_up_and_flags_fire(book: tuple[World, dict[str, str]]) -> None:
    world, _ = book
    report = portfolio_report(world.store, world.products, date(2026, 6, 9))
    assert list(report.by_product) == ["consumer_credit"]
    assert list(report.by_cohort) == [("consumer_credit", "2026-01")]
    assert report.by_product["consumer_credit"].outstanding == report.total.outstanding
    [flag] = report.flags
    assert flag.product_code == "consumer_credit"
    assert flag.overdue_rate > flag.threshold == D("0.03")
    assert report.actions["reminder"] > 0
    assert report.actions["manual-collection"] == 2


def test_the_report_renders_in_both_languages(book: tuple[World, dict[str, str]]) -> None:
    world, _ = book
    report = portfolio_report(world.store, world.products, date(2026, 6, 9))
    zh, en = render_report(report, "zh"), render_report(report, "en")
    assert "五级分类" in zh
    assert "次级" in zh
    assert "超过预警线" in zh
    assert "overdue rate" in en
    assert "substandard" in en
    assert percent(None) == "-"
    assert percent(D("0.0123")) == "1.23%"


def test_an_empty_book_has_no_rates() -> None:
    world = World()
    report = portfolio_report(world.store, world.products, date(2026, 1, 5))
    assert report.total.loans == 0
    assert report.total.overdue_rate is None
    assert report.flags == []

"""A daily rate in the product language (日利率): exact conversion, the interest it charges, the
APR of a loan priced that way, and hostile values with located errors."""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from loanfactory.cli import cli
from loanfactory.quote import quote
from loanfactory.schedule import annual_percentage_rate
from loanfactory.spec import FixedRate, ProductSpec, load_product_text

D = Decimal
CENT = D("0.01")

PRODUCT = """
code: daily_priced
name: 日息贷
effective: {{from: 2025-01-01}}
channels: [app]
segments: [individual]
purposes: [consumer]
amount: {{min: 1000, max: 100000}}
term: {{allowed: [12]}}
rate:
{rate}
repayment:
  methods: [annuity]
{repayment}
"""


def product(rate: str, repayment: str = "") -> ProductSpec:
    spec, problems = load_product_text(PRODUCT.format(rate=rate, repayment=repayment))
    assert spec is not None, [p.format() for p in problems]
    assert [p for p in problems if p.severity == "error"] == []
    return spec


def problems_of(rate: str, repayment: str = "") -> list[tuple[str, str, int | None]]:
    _, problems = load_product_text(PRODUCT.format(rate=rate, repayment=repayment))
    return [(p.code, p.path, p.line) for p in problems]


def test_a_daily_rate_on_360_days_is_7_2_percent_a_year_exactly() -> None:
    spec = product('  type: fixed\n  daily: "0.02%"')
    assert isinstance(spec.rate, FixedRate)
    assert spec.rate.annual == D("0.0002") * 360 == D("0.072")
    assert spec.rate.basis == 360
    q = quote(spec, D("12000"), 12)
    assert q.terms.annual_rate == D("0.072")
    assert annual_percentage_rate(q.schedule).disclosed()[0] == D("0.0720")  # per period: 0.6 % a month


def test_a_daily_rate_on_365_days() -> None:
    spec = product(
        '  type: fixed\n  daily: "0.02%"\n  basis: 365', "  interest: daily\n  day_count: ACT/365F"
    )
    assert quote(spec, D("12000"), 12, start=date(2025, 1, 15)).terms.annual_rate == D("0.073")


def test_daily_interest_charges_the_daily_rate_each_day_and_the_apr_is_its_irr() -> None:
    spec = product('  type: fixed\n  daily: "0.02%"', "  interest: daily\n  day_count: ACT/360")
    q = quote(spec, D("100000"), 12, start=date(2025, 1, 15))
    rows = q.schedule.installments
    opening = D("100000")
    for row in rows:  # interest of a row = opening balance x 0.02 % x days, to the fen
        assert row.days is not None
        assert row.interest == (opening * D("0.0002") * row.days).quantize(CENT, ROUND_HALF_UP)
        opening -= row.principal
    # the APR: twelve times the monthly IRR of the cash flows, found here by bisection
    low, high = D(0), D("0.1")
    for _ in range(200):
        x = (low + high) / 2
        value = sum((row.total / (1 + x) ** (k + 1) for k, row in enumerate(rows)), D(0)) - D("100000")
        low, high = (x, high) if value > 0 else (low, x)
    apr = annual_percentage_rate(q.schedule)
    assert abs(apr.nominal - 12 * low) < D("1e-12")
    assert apr.disclosed()[0] == (12 * low).quantize(D("0.0001"), ROUND_HALF_UP)
    assert D("0.072") < apr.nominal < D("0.0730")  # a month of 28-31 days costs 0.56-0.62 %


def test_a_band_may_give_a_daily_rate() -> None:
    spec = product('  type: fixed\n  daily: "0.03%"\n  table:\n    - {amount_min: 50000, daily: "0.02%"}')
    assert quote(spec, D("60000"), 12).terms.annual_rate == D("0.072")
    assert quote(spec, D("10000"), 12).terms.annual_rate == D("0.108")


@pytest.mark.parametrize(
    ("rate", "repayment", "code", "path"),
    [
        ('  type: fixed\n  annual: "7.2%"\n  daily: "0.02%"', "", "rate-twice", "rate.annual"),
        ("  type: fixed", "", "missing-key", "rate.annual"),
        ('  type: fixed\n  daily: "3%"', "", "out-of-range", "rate.daily"),
        ("  type: fixed\n  daily: 2", "", "bad-rate", "rate.daily"),
        ('  type: fixed\n  daily: "-0.02%"', "", "invalid-value", "rate.daily"),
        ('  type: fixed\n  daily: "0.02"', "", "", "rate.daily"),  # 2 % a day: a fraction, 720 % a year
        ('  type: fixed\n  daily: "0.02%"\n  basis: 366', "", "unknown-value", "rate.basis"),
        ('  type: fixed\n  daily: "0.02%"\n  basis: "360"', "", "unknown-value", "rate.basis"),  # text
        (
            '  type: fixed\n  daily: "0.02%"\n  basis: 365',
            "  interest: daily\n  day_count: ACT/360",
            "basis-mismatch",
            "rate.basis",
        ),
        (
            '  type: fixed\n  daily: "0.02%"\n  table:\n    - {term_max: 12, annual: "5%", daily: "0.01%"}',
            "",
            "rate-twice",
            "rate.table[0].annual",
        ),
        ('  type: floating\n  tenor: 1y\n  spread: "0bp"\n  daily: "0.02%"', "", "unknown-key", "rate.daily"),
    ],
)
def test_hostile_daily_rates_are_located(rate: str, repayment: str, code: str, path: str) -> None:
    found = problems_of(rate, repayment)
    if code == "":  # accepted as written: 0.02 is a fraction (2 % a day, 720 % a year)
        assert not [f for f in found if f[1] == path and f[0] != "out-of-range"], found
        return
    assert any(c == code and p == path and line is not None for c, p, line in found), found


def test_a_daily_rate_is_weighed_by_the_annual_rate_it_comes_to(tmp_path: Path) -> None:
    text = PRODUCT.format(
        rate='  type: fixed\n  daily: "0.1%"\n  table:\n    - {term_max: 6, daily: "0.02%"}', repayment=""
    )
    path = tmp_path / "daily.yaml"
    path.write_text(text, encoding="utf-8")
    checked = CliRunner().invoke(cli, ["validate", str(path), "--format", "json"])
    assert checked.exit_code == 0, checked.output
    warned = {(d["code"], d["path"]) for d in json.loads(checked.stdout)["warnings"]}
    assert ("suspicious-rate", "rate.daily") in warned  # 0.1 % a day is 36 % a year
    assert ("suspicious-rate", "rate.table[0].daily") not in warned  # 7.2 %
    shown = CliRunner().invoke(
        cli, ["explain", "daily_priced", str(tmp_path), "--format", "json", "--on", "2025-06-01"]
    )
    assert shown.exit_code == 0, shown.output
    assert '"7.2%"' in shown.stdout
    assert '"36%"' in shown.stdout

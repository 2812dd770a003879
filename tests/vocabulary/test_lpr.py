"""The LPR series shipped as data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from loanfactory.conventions import LprTenor
from loanfactory.errors import InvalidInput, SpecError
from loanfactory.lpr import LprSeries

GOLDEN = Path(__file__).resolve().parents[2].parent / "shared" / "golden" / "lpr.yaml"


def test_fixing_in_force_on_a_day() -> None:
    series = LprSeries.default()
    assert series.rate(LprTenor.one_year, date(2025, 5, 20)) == Decimal("0.0300")
    assert series.rate("5y+", date(2025, 5, 19)) == Decimal("0.0360")
    assert series.rate("1y", date(2026, 11, 29)) == Decimal("0.0300")


def test_before_the_first_fixing_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="2019-08-20"):
        LprSeries.default().rate("1y", date(2019, 1, 1))


@pytest.mark.skipif(not GOLDEN.exists(), reason="the shared golden data is not beside this checkout")
def test_shipped_series_matches_the_golden_file() -> None:
    assert LprSeries.from_file(GOLDEN) == LprSeries.default()


def test_a_bank_file_with_mistakes_reports_each(tmp_path: Path) -> None:
    path = tmp_path / "lpr.yaml"
    path.write_text(
        "fixings:\n"
        "  - {date: 2025-01-20, lpr_1y: '3.1%', lpr_5y: '3.6%'}\n"
        "  - {date: 2024-12-20, lpr_1y: '3.1%', lpr_5y: '3.6%'}\n"
        "  - {date: soon, lpr_1y: '3%', lpr_5y: '3.5%'}\n"
        "  - {date: 2025-02-20, lpr_1y: 3.1, lpr_5y: '3.6%'}\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as info:
        LprSeries.from_file(path)
    codes = {(d.code, d.line) for d in info.value.diagnostics}
    assert ("unordered", 3) in codes
    assert ("wrong-type", 4) in codes
    assert ("bad-rate", 5) in codes
